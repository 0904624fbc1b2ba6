"""The server side of the complaint terminals' protocol (``custodywatch_protocol.terminal``).

``intake.receive_packet`` takes packets; ``registration`` registers terminals; ``routing`` issues
signed routing lists; ``lookups`` answers receipt lookups; ``keys`` holds the server's keys.
"""
