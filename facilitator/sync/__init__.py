"""Clinic sync, the pure part: entry format, encryption, signatures and the receiver's chain
checks. No database, no network, no Qt: everything here is bytes in, bytes (or an error) out,
so it can be tested exhaustively. ``storage.hub`` moves these bytes to and from PostgreSQL;
``services.sync`` decides what goes into an entry and applies what comes out.
"""
