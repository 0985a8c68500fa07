"""The JSON API (/api/v1): bearer tokens, marshmallow schemas, JSON errors, an OpenAPI document."""
