using System.CommandLine;
using System.Text.Json;
using Cqil.Lab.Core.Generation;
using Cqil.Lab.Core.Model;

namespace Cqil.Lab.Cli.Commands;

/// <summary>`cqil generate`: continue a prompt, greedy by default.</summary>
public static class GenerateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var model = new ModelArguments();
        var plan = new PlanArguments();
        var prompt = new Option<string>("--prompt") { Description = "Text to continue", DefaultValueFactory = _ => "Once upon a time" };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Tokens to generate", DefaultValueFactory = _ => 64 };
        var temperature = new Option<double>("--temperature") { Description = "0 = greedy (default); > 0 samples", DefaultValueFactory = _ => 0.0 };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling threshold when sampling", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<long>("--seed") { Description = "Sampling seed", DefaultValueFactory = _ => 0L };
        var json = new Option<bool>("--json") { Description = "Print {\"prompt_ids\", \"new_ids\", \"text\"} as JSON" };

        var command = new Command("generate", "Continue a prompt with a model (KV-cached decoding).");
        model.AddTo(command);
        plan.AddTo(command);
        command.Options.Add(prompt);
        command.Options.Add(maxNew);
        command.Options.Add(temperature);
        command.Options.Add(topP);
        command.Options.Add(seed);
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            var options = new GenerationOptions
            {
                MaxNewTokens = parse.GetValue(maxNew),
                Temperature = parse.GetValue(temperature),
                TopP = parse.GetValue(topP),
                Seed = parse.GetValue(seed),
            };
            options.Validate();
            using var worker = model.StartWorker(parse);
            using var loaded = model.Load(parse, worker, error);
            bool asJson = parse.GetValue(json);
            var tokenizer = loaded.Tokenizer;
            int[] promptIds = tokenizer.Encode(parse.GetValue(prompt)!);
            var streamed = new StreamingText(tokenizer, promptIds, asJson ? null : output);
            var runner = worker.Run(() => plan.Runner(parse, loaded.Model, error));
            GenerationResult result;
            try
            {
                result = worker.Run(() => TextGenerator.Generate(runner, tokenizer, promptIds, options, streamed.Add));
            }
            finally
            {
                (runner as Core.Cqil.Execution.PlanExecutor)?.Dispose();
            }
            if (asJson)
            {
                output.WriteLine(JsonSerializer.Serialize(new { prompt_ids = result.PromptIds, new_ids = result.NewIds, text = result.Text }, JsonOutput.Options));
            }
            else
            {
                streamed.Finish();
                output.WriteLine($"[{runner.Label}: {result.NewIds.Length} tokens; prefill {result.PrefillTime.TotalMilliseconds:F1} ms; decode {result.DecodeTokensPerSecond:F1} tokens/s]");
            }
            return 0;
        });
        return command;
    }
}
