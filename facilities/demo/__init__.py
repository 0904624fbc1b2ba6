"""The demo country: a fictional, deterministic national picture for `make run` and for tests.

`generator.generate()` builds it in memory; `loader.load_demo_country()` writes it in one
transaction. No real person's name appears anywhere in it.
"""
