// Uploads go through XMLHttpRequest: fetch cannot report upload progress. The body is a Blob (or
// FormData holding the user's File), which the browser streams from its own storage.
import { apiError, NetworkError } from './api.js';

export interface Sent<T> {
  status: number;
  body: T;
}

/** Sends `body`; resolves with the parsed JSON of a 2xx answer, rejects with ApiError otherwise. */
export function send<T>(method: 'POST', url: string, headers: Record<string, string>, body: Blob | FormData, onProgress: (loaded: number, total: number) => void): Promise<Sent<T>> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    // Same-origin only: cookies (none today) would go to our own origin, never elsewhere.
    xhr.withCredentials = false;
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    };
    xhr.onerror = () => reject(new NetworkError('could not reach the server'));
    xhr.onabort = () => reject(new NetworkError('the upload was aborted'));
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve({ status: xhr.status, body: JSON.parse(xhr.responseText) as T });
        } catch {
          reject(apiError(xhr.status, '', null));
        }
        return;
      }
      reject(apiError(xhr.status, xhr.responseText, xhr.getResponseHeader('retry-after')));
    };
    xhr.send(body);
  });
}
