using RawTls.Cli.Commands;

return await CommandDispatcher.RunAsync(args).ConfigureAwait(false);
