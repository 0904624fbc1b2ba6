"""CustodyWatch's transparency-log core: pure Python over ``cryptography``, no Django, no database."""
