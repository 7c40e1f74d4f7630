using EEArtifacts.Experiments.Cli;

return ExperimentsCli.Run(args, Console.Out, Console.Error);
