using EEArtifacts.Reporting.Cli;

return ReportCli.Run(args, Console.Out, Console.Error);
