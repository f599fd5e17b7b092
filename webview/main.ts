// Dashboard webview entry: filled by the extension issue.
export {};
