// Lifecycle helpers (as in vscode-hexeditor's dispose.ts): everything created is registered with
// its owner and disposed with it.

export interface IDisposable {
  dispose(): void;
}

export class DisposableStore implements IDisposable {
  private items = new Set<IDisposable>();
  private disposed = false;

  add<T extends IDisposable>(d: T): T {
    if (this.disposed) d.dispose();
    else this.items.add(d);
    return d;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const errors: unknown[] = [];
    for (const d of this.items) {
      try {
        d.dispose();
      } catch (e) {
        errors.push(e);
      }
    }
    this.items.clear();
    if (errors.length) throw errors[0];
  }
}

export abstract class Disposable implements IDisposable {
  protected readonly _store = new DisposableStore();
  private _isDisposed = false;

  protected get isDisposed(): boolean {
    return this._isDisposed;
  }

  protected _register<T extends IDisposable>(d: T): T {
    return this._store.add(d);
  }

  dispose(): void {
    this._isDisposed = true;
    this._store.dispose();
  }
}

export function toDisposable(fn: () => void): IDisposable {
  let done = false;
  return {
    dispose: () => {
      if (!done) {
        done = true;
        fn();
      }
    },
  };
}
