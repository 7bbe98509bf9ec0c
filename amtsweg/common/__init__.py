"""Shared helpers at the bottom layer; imports no app.

Parsers for untrusted input that every app uses the same way: ``safe_xml`` (XML without DTDs,
entities or network; XSD loading confined to one folder), ``safe_yaml`` (YAML without alias
bombs), ``safe_json`` (JSON with bounded nesting and valid Unicode only); ``filecheck`` (uploaded
PDFs and images parsed, active content and polyglots refused).
"""
