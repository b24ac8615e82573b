# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AzureModule.context(): what a manager gets from its module, built lazily, and the warnings it leaves."""

from __future__ import annotations

from ansible_collections.dockyard.azure.plugins.module_utils.azure.module import AzureModule


def _main(check=None):
    def main():
        module = AzureModule(argument_spec={}, supports_check_mode=True)
        ctx = module.context()
        if check is not None:
            check(module, ctx)
        ctx.warn('first warning')
        ctx.warn('second warning')
        module.exit_json(changed=False, check_mode=ctx.check_mode, diff=ctx.diff)
    return main


def test_context_carries_the_modes_and_warnings_reach_the_result(run_module):
    result = run_module(_main(), {'_ansible_check_mode': True, '_ansible_diff': True})
    assert result['check_mode'] is True and result['diff'] is True
    # ansible-core 2.19+ reports warnings as structured events, older versions as strings.
    messages = [item['event']['msg'] if isinstance(item, dict) else item for item in result['warnings']]
    assert messages == ['first warning', 'second warning']


def test_context_resolves_nothing_until_asked(run_module):
    """No connection option is set: building the context resolves nothing; asking for the subscription fails the task."""
    seen = {}

    def check(module, ctx):
        seen.update(config=module._azure_config, clients=dict(module._clients))
        seen['subscription'] = ctx.subscription_id

    result = run_module(_main(check), {})
    assert seen == {'config': None, 'clients': {}}
    assert result['failed'] is True and result['option'] == 'subscription_id'
    assert result['msg'].startswith('subscription_id is required')


def test_context_uses_the_module_clients_and_wait(run_module, monkeypatch):
    built, waited = [], []
    monkeypatch.setattr(AzureModule, 'client', lambda self, name: built.append(name) or 'client:' + name)
    monkeypatch.setattr(AzureModule, 'wait_for', lambda self, poller, operation: waited.append(operation) or 'done')
    monkeypatch.setattr(AzureModule, 'subscription_id', property(lambda self: 'sub-9'))

    def check(module, ctx):
        assert ctx.client('compute') == 'client:compute'
        assert ctx.wait(object(), 'deletion of x') == 'done'
        assert ctx.subscription_id == 'sub-9'

    result = run_module(_main(check), {})
    assert result['changed'] is False and built == ['compute'] and waited == ['deletion of x']
