import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';
import { Login } from './Login.js';
import { Dashboard } from './Dashboard.js';
import { session } from './session.js';
import type { Role } from './types.js';

export interface Identity {
  name: string;
  role: Role;
}

const rejected = (status: number): string =>
  status === 401 ? 'That token was not accepted (401). Check it and try again.' : `The admin API answered ${status}.`;

/** Login, then the dashboard; back to the login when the token stops being accepted. */
export function App() {
  const [identity, setIdentity] = useState<Identity | undefined>(undefined);
  const [message, setMessage] = useState('');
  const [checking, setChecking] = useState(session.token() !== null);

  const signIn = async (): Promise<void> => {
    try {
      const result = await call<Identity>('GET', 'whoami');
      if (result.status === 200) {
        setIdentity(result.body);
        setMessage('');
      } else {
        session.clear();
        setMessage(rejected(result.status));
      }
    } catch (error) {
      session.clear();
      setMessage(`Could not reach the admin API: ${String(error)}`);
    }
    setChecking(false);
  };

  useEffect(() => {
    if (session.token() !== null) void signIn();
  }, []);

  const signOut = (reason = ''): void => {
    session.clear();
    setIdentity(undefined);
    setMessage(reason);
  };

  if (checking) return <p class="loading">Loading…</p>;
  if (identity === undefined) {
    return (
      <Login
        message={message}
        onSubmit={async (token) => {
          session.save(token);
          await signIn();
        }}
      />
    );
  }
  return <Dashboard identity={identity} onSignOut={signOut} />;
}
