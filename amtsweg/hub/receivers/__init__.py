"""Local receivers for tests and the demo: a demo Fachverfahren (HTTP), an SMTP mailbox and an SFTP server.

They are deliberately small, run only on loopback and have no Django dependency, so the demo can start
them as separate processes and tests can run them in threads.
"""
