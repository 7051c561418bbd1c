"""Every place usage comes from, one module each, behind one small interface.

Sources return records (tracker.core.records); they never write the database.
The sync services price and write them through tracker.services.ingest.
"""
