"""Certificates: issuance, verification and bulk jobs, over the certificates service."""
