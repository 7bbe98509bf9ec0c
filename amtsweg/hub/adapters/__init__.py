"""Delivery adapters (plugins). Every module here is imported on app ready and registers its class
with ``amtsweg.hub.registry.adapter_registry``."""
