import type * as vscode from 'vscode';

// Wiring only; commands, views and code lenses arrive with their issues.
export function activate(_context: vscode.ExtensionContext): void {}

export function deactivate(): void {}
