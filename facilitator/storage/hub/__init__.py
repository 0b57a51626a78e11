"""The clinic hub: plain PostgreSQL (15+) holding every device's chain of sealed entries.

``schema`` is the SQL that ``hub init`` runs; ``client`` is what a laptop uses (push, pull,
heads) through the hub's functions only; ``admin`` sets a hub up and reports on it. The hub
stores headers (device ids, seq, hashes, epochs, sizes, times) and ciphertext; never a name or
any note text, and it cannot decrypt anything.
"""
