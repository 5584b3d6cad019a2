// The JPD Access admin page: generates pairing tokens and lists trusted peers and issued
// pairing tokens, with revoke actions.
import {
  confirmAndRun,
  copyText,
  createApiClient,
  fillTable,
  formatTime,
  h,
  setUpSession,
  showMessage,
} from './shared/admin-client.js';

const api = createApiClient('/access/api/v1');

const TRUST_LABELS = { ONE_WAY: 'one-way', TWO_WAY: 'two-way' };
const STATE_BADGES = { unused: 'ok', used: '', revoked: 'bad', expired: 'warn' };

const pairingForm = document.getElementById('pairing-form');
const pairingMessage = document.getElementById('pairing-message');
const generated = document.getElementById('generated');
const tokenField = document.getElementById('generated-token');
const copyStatus = document.getElementById('copy-status');

pairingForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  showMessage(pairingMessage, '');
  const useCase = pairingForm.elements.namedItem('useCase').value;
  try {
    const issued = await api.request(
      'POST',
      '/service_trust/pairing/' + encodeURIComponent(useCase),
      {
        expires_in: Number(pairingForm.elements.namedItem('expiresIn').value),
        two_way: pairingForm.elements.namedItem('twoWay').checked,
      },
    );
    document.getElementById('generated-expires-in').textContent = issued.expires_in + ' seconds';
    document.getElementById('generated-token-id').textContent = issued.token_id;
    tokenField.value = issued.pairing_token;
    showMessage(copyStatus, '');
    generated.hidden = false;
    document.getElementById('copy-token').focus();
    await loadTokens();
  } catch (error) {
    showMessage(pairingMessage, error.message, 'error');
  }
});

document.getElementById('copy-token').addEventListener('click', async () => {
  try {
    await copyText(tokenField.value, tokenField);
    showMessage(copyStatus, 'Copied to the clipboard.', 'success');
  } catch (error) {
    showMessage(copyStatus, error.message, 'error');
  }
});

async function loadPeers() {
  const message = document.getElementById('peers-message');
  showMessage(message, '');
  try {
    const { pairings } = await api.request('GET', '/service_trust/pairings');
    const rows = pairings.map((pairing) =>
      h(
        'tr',
        {},
        h('td', {}, pairing.name ?? '–', h('span', { class: 'detail mono' }, pairing.service_id)),
        h('td', { class: 'mono' }, pairing.base_url),
        h('td', { class: 'nowrap' }, pairing.use_case),
        h(
          'td',
          { class: 'nowrap' },
          pairing.status === 'active' ? TRUST_LABELS[pairing.trust] : '–',
        ),
        h(
          'td',
          {},
          h(
            'span',
            { class: 'badge ' + (pairing.status === 'active' ? 'ok' : 'bad') },
            pairing.status,
          ),
        ),
        h('td', {}, formatTime(pairing.created_at)),
        h(
          'td',
          {},
          pairing.status === 'active'
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'danger',
                  'aria-label': 'Revoke trust of ' + (pairing.name ?? pairing.base_url),
                  onclick: () => revokePairing(pairing),
                },
                'Revoke',
              )
            : null,
        ),
      ),
    );
    fillTable(document.getElementById('peers-body'), rows, 7, 'No peer has paired yet.');
  } catch (error) {
    showMessage(message, error.message, 'error');
  }
}

async function revokePairing(pairing) {
  const label = pairing.name ?? pairing.base_url;
  await confirmAndRun(document.getElementById('peers-message'), {
    question: 'Revoke the trust of ' + label + '? Its master token stops working at once.',
    action: () =>
      api.request('DELETE', '/service_trust/pairings/' + encodeURIComponent(pairing.use_case), {
        base_url: pairing.base_url,
      }),
    reload: loadPeers,
    done: 'Revoked the trust of ' + label + '.',
  });
}

async function loadTokens() {
  const message = document.getElementById('tokens-message');
  showMessage(message, '');
  try {
    const { pairing_tokens: tokens } = await api.request('GET', '/ui/pairing_tokens');
    const rows = tokens.map((token) =>
      h(
        'tr',
        {},
        h('td', { class: 'mono' }, token.token_id),
        h('td', { class: 'nowrap' }, token.use_case ?? '–'),
        h('td', {}, token.issued_by),
        h('td', {}, formatTime(token.issued_at)),
        h('td', {}, formatTime(token.expires_at)),
        h('td', {}, h('span', { class: 'badge ' + STATE_BADGES[token.state] }, token.state)),
        h(
          'td',
          {},
          token.state === 'unused'
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'danger',
                  'aria-label': 'Revoke pairing token ' + token.token_id,
                  onclick: () => revokeToken(token),
                },
                'Revoke',
              )
            : null,
        ),
      ),
    );
    fillTable(document.getElementById('tokens-body'), rows, 7, 'No pairing token issued yet.');
  } catch (error) {
    showMessage(message, error.message, 'error');
  }
}

async function revokeToken(token) {
  await confirmAndRun(document.getElementById('tokens-message'), {
    question: 'Revoke pairing token ' + token.token_id + '?',
    action: () => api.request('DELETE', '/tokens/' + encodeURIComponent(token.token_id)),
    reload: loadTokens,
    done: 'Revoked pairing token ' + token.token_id + '.',
  });
}

document.getElementById('refresh-peers').addEventListener('click', loadPeers);
document.getElementById('refresh-tokens').addEventListener('click', loadTokens);

await setUpSession(api, async () => {
  generated.hidden = true;
  tokenField.value = '';
  await Promise.all([loadPeers(), loadTokens()]);
});
