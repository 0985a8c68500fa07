"""Clinics: medical units, their licences and services, inspections against 两非, findings and rectification."""
