"""Amtsweg: online access to municipal administrative services (OZG)."""
