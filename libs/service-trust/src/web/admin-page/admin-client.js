// Browser side shared by both admin pages: the session, calls to the service's REST API with
// the CSRF token, and small DOM helpers. Plain ES module, no build step.

/** An error response of the REST API, with the message of its first error. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Returns a client of the REST API under `apiPrefix`, e.g. `/access/api/v1`. */
export function createApiClient(apiPrefix) {
  let csrfToken = '';
  /** Called when a request of a signed-in page gets 401 because the session ended. */
  let onSessionEnded = () => undefined;

  async function request(method, path, body, headers = {}) {
    const init = {
      method,
      credentials: 'same-origin',
      // The header is sent even when empty. It marks the call as coming from the page, not a
      // script using HTTP Basic, so a 401 carries no Basic challenge.
      headers: { Accept: 'application/json', 'X-CSRF-Token': csrfToken, ...headers },
    };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }

    const response = await fetch(apiPrefix + path, init);
    const text = await response.text();
    const data =
      text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null;
    if (!response.ok) {
      if (response.status === 401 && csrfToken && path !== '/ui/session') {
        csrfToken = '';
        onSessionEnded();
      }
      const first = data?.errors?.[0];
      throw new ApiError(
        response.status,
        first?.code ?? 'HTTP_' + response.status,
        first?.message ?? 'The request failed with status ' + response.status + '.',
      );
    }
    return data;
  }

  return {
    request,

    /** Sets the function that runs when the session ends while the page is open. */
    set onSessionEnded(callback) {
      onSessionEnded = callback;
    },

    /** Returns the current session, or `null` when the browser is not signed in. */
    async currentSession() {
      try {
        const session = await request('GET', '/ui/session');
        csrfToken = session.csrf_token;
        return session;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },

    async signIn(username, password) {
      const bytes = new TextEncoder().encode(username + ':' + password);
      const basic = btoa(String.fromCharCode(...bytes));
      const session = await request('POST', '/ui/session', undefined, {
        Authorization: 'Basic ' + basic,
      });
      csrfToken = session.csrf_token;
      return session;
    },

    async signOut() {
      await request('DELETE', '/ui/session');
      csrfToken = '';
    },
  };
}

/**
 * Wires the sign-in form, the sign-out button and the signed-in area of a page. `onSignedIn`
 * runs after sign-in and when the page opens with a live session.
 */
export async function setUpSession(client, onSignedIn) {
  const signInPanel = document.getElementById('sign-in');
  const form = document.getElementById('sign-in-form');
  const message = document.getElementById('sign-in-message');
  const signedIn = document.getElementById('signed-in');
  const sessionBar = document.getElementById('session-bar');

  const show = async (session) => {
    signInPanel.hidden = Boolean(session);
    signedIn.hidden = !session;
    sessionBar.hidden = !session;
    if (!session) {
      const username = form.elements.namedItem('username');
      const password = form.elements.namedItem('password');
      password.value = '';
      (username.value ? password : username).focus();
      return;
    }
    document.getElementById('session-user').textContent = session.username;
    await onSignedIn();
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showMessage(message, '');
    try {
      const session = await client.signIn(
        form.elements.namedItem('username').value,
        form.elements.namedItem('password').value,
      );
      await show(session);
    } catch (error) {
      showMessage(message, error.message, 'error');
    }
  });

  client.onSessionEnded = () => {
    void show(null);
    showMessage(message, 'Your session has ended. Sign in again.', 'error');
  };

  document.getElementById('sign-out').addEventListener('click', async () => {
    await client.signOut().catch(() => undefined);
    await show(null);
  });

  await show(await client.currentSession());
}

/** Shows `text` in a message element, styled by `kind`: `error`, `success` or empty. */
export function showMessage(element, text, kind = '') {
  element.textContent = text;
  element.className = 'message' + (kind ? ' ' + kind : '');
}

/**
 * Runs a state-changing `action` once the user confirms `question`, reloads the list it changed,
 * and reports `done` or the error in the message element `element`.
 */
export async function confirmAndRun(element, { question, action, reload, done }) {
  if (!confirm(question)) return;
  try {
    await action();
    await reload();
    showMessage(element, done, 'success');
  } catch (error) {
    showMessage(element, error.message, 'error');
  }
}

/**
 * Creates an element with attributes and children. Strings become text nodes, never HTML, so
 * values from the API cannot inject markup.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** Replaces the rows of a table body, or shows `emptyText` across `columns` when there are none. */
export function fillTable(tbody, rows, columns, emptyText) {
  tbody.replaceChildren(
    ...(rows.length
      ? rows
      : [h('tr', {}, h('td', { colspan: columns, class: 'empty' }, emptyText))]),
  );
}

/** Formats an ISO timestamp in the browser's locale, or a dash when there is none. */
export function formatTime(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  return h('time', { datetime: iso }, date.toLocaleString());
}

/**
 * Copies `text` to the clipboard. Pages served over plain http have no clipboard API, so there
 * it selects `field` and copies the selection.
 */
export async function copyText(text, field) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  field.focus();
  field.select();
  if (!document.execCommand('copy'))
    throw new Error('Copying failed. Select the token and copy it by hand.');
}
