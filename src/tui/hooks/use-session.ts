import { useContext, useSyncExternalStore } from 'react';
import { SessionContext } from '../components/SessionContext.js';
import type { CaptureSession } from '../data/session.js';

/**
 * The session and its version: a component using it re-renders whenever the background analysis
 * learns something.
 *
 * @example
 *   const { session } = useSession();
 *   const row = session.row(6);
 */
export default function useSession(): { readonly session: CaptureSession; readonly version: number } {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('useSession outside <SessionContext.Provider>');
  const version = useSyncExternalStore(
    (fn) => session.subscribe(fn),
    () => session.version,
  );
  return { session, version };
}
