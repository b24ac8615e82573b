"""ARM template engine of the emulator (pure: no HTTP, no store).

Parses templates with positions, evaluates the template language, expands resources into a
dependency-ordered plan the caller applies batch by batch, and computes what-if changes.
See deployment.py for the driving API.
"""

from .deployment import Deployment
from .errors import TemplateError, deployment_failed, invalid_template_deployment
from .evaluator import Context
from .hashing import arm_guid, unique_string
from .resources import PlannedResource
from .runner import run_deployment
from .scope import DeploymentScope
from .template import unwrap_parameters_file
from .whatif import DesiredResource, compute_what_if

__all__ = [
    "Context", "Deployment", "DeploymentScope", "DesiredResource", "PlannedResource", "TemplateError", "arm_guid",
    "compute_what_if", "deployment_failed", "invalid_template_deployment", "run_deployment", "unique_string",
    "unwrap_parameters_file",
]
