"""Authorization: a Casbin model and policy, asked once per request and scope, never per row.

This package imports nothing of the project's: callers pass plain strings and get plain answers.
"""

from __future__ import annotations

from authz.authorizer import RELATIONS, Authorizer, default_authorizer

__all__ = ["RELATIONS", "Authorizer", "default_authorizer"]
