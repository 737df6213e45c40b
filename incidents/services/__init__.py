"""Writes. One function per operation, keyword-only, each one transaction.

Views, serializers, admin hooks and tasks call these; none writes models directly.
"""
