from footage_support import clips  # noqa: F401  (the session's generated clips, for every test here)
