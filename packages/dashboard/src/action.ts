import { useState } from 'preact/hooks';
import { call, describeFailure, type ApiError, type ApiResult } from './api.js';

export interface ActionState {
  busy: boolean;
  /** The last failure, as a sentence; `''` after a success. */
  error: string;
  /** The field a 400 named, so the form can show the message beside it. */
  field: string | undefined;
}

/**
 * Runs one admin write and keeps its outcome for the control that started it:
 * a 400 names the field, a 403 says the token cannot write.
 */
export function useAction(onDone: () => void): [ActionState, (method: string, path: string, body?: unknown) => Promise<ApiResult | undefined>] {
  const [state, setState] = useState<ActionState>({ busy: false, error: '', field: undefined });
  const run = async (method: string, path: string, body?: unknown): Promise<ApiResult | undefined> => {
    setState({ busy: true, error: '', field: undefined });
    let result: ApiResult;
    try {
      result = await call(method, path, body);
    } catch (error) {
      setState({ busy: false, error: `Request failed: ${String(error)}`, field: undefined });
      return undefined;
    }
    if (result.status >= 400) {
      setState({ busy: false, error: describeFailure(result), field: (result.body as ApiError | null)?.field });
    } else {
      setState({ busy: false, error: '', field: undefined });
      onDone();
    }
    return result;
  };
  return [state, run];
}
