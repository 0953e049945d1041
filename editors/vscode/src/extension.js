// The VS Code extension: starts tmesc's language server (`tmesc lsp --stdio`)
// for .tmes files. Bundled with vscode-languageclient by build.mjs.
const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

/** @type {LanguageClient | undefined} */
let client;

/** @param {import('vscode').ExtensionContext} context */
async function activate(context) {
  const command = vscode.workspace.getConfiguration('tmesc').get('path') || 'tmesc';
  const run = { command, args: ['lsp', '--stdio'], transport: TransportKind.stdio, options: { shell: process.platform === 'win32' } };
  client = new LanguageClient(
    'tmesc',
    'tmesc',
    { run, debug: run },
    {
      // the server registers its own file watchers (included policies, configurations, baselines)
      documentSelector: [{ scheme: 'file', language: 'tmes' }],
    },
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  try {
    await client.start();
  } catch (e) {
    vscode.window.showErrorMessage(
      `tmesc: could not start '${command} lsp --stdio' (${e && e.message ? e.message : e}); set tmesc.path to the tmesc command.`,
    );
  }
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
