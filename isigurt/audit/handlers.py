"""How sealing is started when a broker is configured (docs/decisions/0007-audit-sealing.md).

An unsealed entry is its own outbox row: it commits with the action it records. The outbox
relay checks for one each cycle and publishes a single seal task (or seals here without a broker).
"""

from isigurt.audit.selectors import audit_unsealed_exists
from isigurt.audit.services import audit_seal
from isigurt.outbox.registry import RelayTask, relay_task

relay_task(
    RelayTask(
        task_name="isigurt.audit.tasks.seal_audit_log",
        due=audit_unsealed_exists,
        run_inline=audit_seal,
    )
)
