// The Mission Control admin page: adds a JPD from a pasted pairing token and lists the JPDs
// with their status, trust and last heartbeat.
import {
  confirmAndRun,
  createApiClient,
  fillTable,
  formatTime,
  h,
  setUpSession,
  showMessage,
} from './shared/admin-client.js';

const api = createApiClient('/mc/api/v1');

const STATUS_BADGES = { ONLINE: 'ok', OFFLINE: 'warn', UNAUTHORIZED: 'bad' };
const TRUST_LABELS = { ONE_WAY: 'one-way', TWO_WAY: 'two-way' };

const addForm = document.getElementById('add-form');
const addMessage = document.getElementById('add-message');

addForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  showMessage(addMessage, '');
  const field = (name) => addForm.elements.namedItem(name).value.trim();

  const location = {};
  if (field('city')) location.city_name = field('city');
  if (field('country')) location.country_code = field('country').toUpperCase();
  const tags = field('tags')
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean);

  const button = addForm.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    const jpd = await api.request('POST', '/jpds', {
      name: field('name'),
      url: field('url'),
      token: field('token'),
      location,
      tags,
    });
    addForm.reset();
    showMessage(addMessage, 'Added ' + jpd.name + ' as ' + jpd.id + '.', 'success');
    await loadJpds();
  } catch (error) {
    showMessage(addMessage, error.message, 'error');
  } finally {
    button.disabled = false;
  }
});

async function loadJpds() {
  const message = document.getElementById('jpds-message');
  showMessage(message, '');
  try {
    const jpds = await api.request('GET', '/jpds');
    const rows = jpds.map((jpd) =>
      h(
        'tr',
        { 'data-jpd': jpd.id },
        h('td', {}, jpd.name, h('span', { class: 'detail' }, jpd.id)),
        h('td', { class: 'mono' }, jpd.url),
        h(
          'td',
          {},
          h(
            'span',
            { class: 'badge ' + STATUS_BADGES[jpd.status.code], 'data-status': '' },
            jpd.status.code,
          ),
          h('span', { class: 'detail' }, jpd.status.message),
        ),
        h('td', { class: 'nowrap', 'data-trust': '' }, TRUST_LABELS[jpd.trust]),
        h('td', {}, formatTime(jpd.last_heartbeat_at)),
        h('td', {}, jpd.tags.join(', ') || '–'),
        h(
          'td',
          {},
          h(
            'button',
            {
              type: 'button',
              class: 'danger',
              'aria-label': 'Delete ' + jpd.name,
              onclick: () => deleteJpd(jpd),
            },
            'Delete',
          ),
        ),
      ),
    );
    fillTable(document.getElementById('jpds-body'), rows, 7, 'No JPD added yet.');
  } catch (error) {
    showMessage(message, error.message, 'error');
  }
}

async function deleteJpd(jpd) {
  await confirmAndRun(document.getElementById('jpds-message'), {
    question: 'Delete ' + jpd.name + ' and its master token from Mission Control?',
    action: () => api.request('DELETE', '/jpds/' + encodeURIComponent(jpd.id)),
    reload: loadJpds,
    done: 'Deleted ' + jpd.name + '.',
  });
}

document.getElementById('refresh-jpds').addEventListener('click', loadJpds);

await setUpSession(api, loadJpds);
