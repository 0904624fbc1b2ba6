"""Every change to visits data: keyword-only functions with an explicit actor, one module per resource."""
