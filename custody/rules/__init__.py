"""The custody rules engine: rules as data (kz.yaml), checks in plain Python, no database.

``catalogue.load()`` reads and validates the rule set; ``engine.evaluate(records, now=...)`` runs
every rule over plain ``facts.Record`` objects and returns findings; ``engine.Register`` keeps an
index so one event re-evaluates only the records it touches. The custody services turn findings
into alerts.
"""
