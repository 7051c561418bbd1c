"""Pure domain: records, money, time windows. Standard library only."""
