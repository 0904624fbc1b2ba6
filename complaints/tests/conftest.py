"""The workspace's fixtures: the personas' organisations with keys, and sealed complaints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from complaints.workspace_testing import install_key, make_complaint


@dataclass
class Workspace:
    personas: Any
    npm: Any
    ombudsman: Any
    prosecutor: Any
    npm_identity: Any
    ombudsman_identity: Any
    prosecutor_identity: Any

    def complaint(self, **kwargs: Any) -> Any:
        kwargs.setdefault("facility", self.personas.colony)
        kwargs.setdefault("recipients", [self.npm])
        return make_complaint(**kwargs)[0]


@pytest.fixture
def workspace(personas) -> Workspace:
    npm = personas.npm_monitor.organisation
    ombudsman = personas.ombudsman_monitor.organisation
    prosecutor = personas.prosecutor.organisation
    return Workspace(
        personas=personas, npm=npm, ombudsman=ombudsman, prosecutor=prosecutor,
        npm_identity=install_key(npm, slot=0)[1], ombudsman_identity=install_key(ombudsman, slot=1)[1],
        prosecutor_identity=install_key(prosecutor, slot=2)[1],
    )
