// Whether the device is online. Browsers say so (navigator.onLine and the online/offline
// events), and a socket may take minutes to notice a lost network by itself; elsewhere the
// client assumes it is online and relies on its transports' own failures.

export interface NetworkWatch {
  isOnline(): boolean;
  /** Calls back on every change; returns the unsubscribe function. */
  subscribe(onChange: (online: boolean) => void): () => void;
}

export const alwaysOnline: NetworkWatch = {
  isOnline: () => true,
  subscribe: () => () => {},
};

export const browserNetwork: NetworkWatch = {
  // Deno and Node have a navigator without onLine: online unless a browser says otherwise.
  isOnline: () => typeof navigator === 'undefined' || !('onLine' in navigator) || navigator.onLine !== false,
  subscribe(onChange) {
    const up = () => onChange(true);
    const down = () => onChange(false);
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    return () => {
      window.removeEventListener('online', up);
      window.removeEventListener('offline', down);
    };
  },
};

/** The browser's watch where there is a window, else none. */
export function defaultNetwork(): NetworkWatch {
  return typeof window !== 'undefined' && typeof window.addEventListener === 'function' ? browserNetwork : alwaysOnline;
}
