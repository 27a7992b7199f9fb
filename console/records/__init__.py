"""The installation's records: one SQLite file, append-only audit, vitals, ledger, exports.

Nothing outside this package writes SQL (design.md, "Layers").
"""
