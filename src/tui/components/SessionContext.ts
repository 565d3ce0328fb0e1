import { createContext } from 'react';
import type { CaptureSession } from '../data/session.js';

/** The capture being browsed; provided once by App, read by the connected panes. */
export const SessionContext = createContext<CaptureSession | null>(null);
