"""Integrationsdienst (Datendrehscheibe): routes submissions into the authorities' back-office systems."""
