"""Settings (the process's ``EIG_…`` environment) and configuration (the YAML file).

The lowest package of the house beside ``models``: ``flows``, ``connectors``, the
migrations and the CLI read it; it imports only ``models`` (the contract figures the
configuration carries).
"""
