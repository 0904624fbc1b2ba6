"""The complaint kiosk: touch-screen pages served on localhost by the terminal agent.

``server.serve(agent)`` runs it; ``pages`` renders, ``messages`` holds every string in Kazakh,
Russian and English, ``pictograms`` the inline drawings, ``forms`` reads what is posted.
"""
