// Must be imported first: lit reads window.litNonce when it has to fall back to <style> elements,
// and our strict CSP only allows styles carrying the page's nonce.
const script = document.currentScript as HTMLScriptElement | null;
(window as unknown as { litNonce?: string }).litNonce = script?.nonce ?? '';
export {};
