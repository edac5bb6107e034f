using System.Globalization;
using System.Text;

namespace Cqil.Lab.Core.Demo;

/// <summary>The README written into a demo model folder: what it is, how it was made, what it measures.</summary>
public static class DemoReadme
{
    public static string Write(DemoBuildResult result, DemoTrainingSettings settings, int threads)
    {
        var c = CultureInfo.InvariantCulture;
        var report = result.Report;
        var training = result.Training;
        var s = new StringBuilder();
        s.AppendLine("# The CQIL Lab demo model");
        s.AppendLine();
        s.AppendLine("A small LLaMA-architecture model that CQIL Lab trains itself, with benchmark tasks that need memory across sentences, so the lab");
        s.AppendLine("shows a real trained transformer on a machine without downloads. Everything here is made by project code from");
        s.AppendLine(string.Create(c, $"seed {settings.Seed}; this command reproduces the folder (timings aside):"));
        s.AppendLine();
        s.AppendLine("```bash");
        s.AppendLine(string.Create(c, $"dotnet run -c Release --project Cqil.Lab.Cli -- train-demo --out models/demo --seed {settings.Seed}"));
        s.AppendLine("```");
        s.AppendLine();
        s.AppendLine("## The language");
        s.AppendLine();
        s.AppendLine("Short stories about three people and two things in a few places, written tersely as facts \"subject value.\":");
        s.AppendLine("an intro (\"Ben park.\" Ben is in the park; \"ball red.\"; \"ball Mia.\" Mia has the ball; \"cup shop.\" the cup lies");
        s.AppendLine("in the shop), 6–10 events in the same form (going somewhere, picking up, putting down, giving, painting),");
        s.AppendLine("then one question of every task about the final state (\"where Ben\", \"who ball\", \"colour ball\", \"where ball\",");
        s.AppendLine("\"many Mia\") with its answer. The subject stands right before its value in facts and questions alike: with");
        s.AppendLine("English phrasing, which puts it four tokens away, small models did not learn the lookups in the training budget.");
        s.AppendLine();
        s.AppendLine("```");
        s.AppendLine(new HeldOutStories(settings.Seed, 0, 1).TextStories[0].Text);
        s.AppendLine("```");
        s.AppendLine();
        s.AppendLine("## Files");
        s.AppendLine();
        s.AppendLine("| file | what |");
        s.AppendLine("|---|---|");
        s.AppendLine("| `config.json`, `model.safetensors` | the model (Hugging Face LLaMA layout, float32, tied embeddings) |");
        s.AppendLine("| `tokenizer.json`, `tokenizer_config.json` | BPE with byte fallback; merges learned from the language, so every word is one token; no BOS is added |");
        s.AppendLine(string.Create(c, $"| `tasks/*.jsonl` | {settings.ItemsPerTask} multiple-choice items per task from held-out stories: `{{\"context\", \"choices\", \"gold\", \"id\"}}`, each choice scored as \" \" + choice after the context |"));
        s.AppendLine(string.Create(c, $"| `heldout.txt` | {settings.HeldOutTextStories} held-out stories separated by blank lines (perplexity, similarity analysis) |"));
        s.AppendLine("| `report.json` | the settings, training curve and every number below |");
        s.AppendLine();
        s.AppendLine("Held-out stories come from their own seeded streams and training skips any story whose narrative is one of");
        s.AppendLine("them, so no task item or held-out story was seen in training. Each task has two choices (chance 50%): the");
        s.AppendLine("answer and the strongest wrong answer the story offers — the previous holder, the place someone left, the");
        s.AppendLine("colour before repainting — so a model that only matches words, without tracking state, stays near chance.");
        s.AppendLine();
        s.AppendLine("## Results");
        s.AppendLine();
        s.AppendLine(string.Create(c, $"{settings.Model.Layers} layers, hidden {settings.Model.Hidden}, {settings.Model.Heads} heads, FFN {settings.Model.Intermediate}, {report.Parameters:N0} parameters."));
        s.AppendLine(string.Create(c, $"Trained {training.Steps} steps × {settings.BatchSize} stories ({training.Tokens:N0} tokens) in {training.Elapsed.TotalMinutes:F1} min ({training.TokensPerSecond:F0} tokens/s, {threads} threads, {Environment.ProcessorCount} cores); whole build {result.Total.TotalMinutes:F1} min."));
        s.AppendLine(string.Create(c, $"Held-out perplexity: **{report.HeldOutPerplexity:F3}** per token over {report.HeldOutStories} stories (the narrative is random, so it cannot approach 1; with a context weight of {settings.ContextWeight:G2} the narrative barely counts in the loss, so this number is high by design)."));
        s.AppendLine();
        s.AppendLine(string.Create(c, $"| task | items | chance | acc | acc_norm | acc under {report.Plan ?? "no plan (under 3 layers)"} (reference) |"));
        s.AppendLine("|---|---|---|---|---|---|");
        foreach (var t in report.Tasks)
        {
            s.AppendLine(string.Create(c, $"| {t.Task} | {t.Items} | {t.Chance:P0} | {t.Accuracy:P1} | {t.NormalizedAccuracy:P1} | {(t.PlanAccuracy is { } planned ? planned.ToString("P1", c) : "–")} |"));
        }
        s.AppendLine();
        s.AppendLine(string.Create(c, $"Adjacent layer-input cosine S[ℓ, ℓ+1] on the held-out text ({report.SimilaritySamples} samples):"));
        s.AppendLine();
        s.AppendLine("| ℓ | " + string.Join(" | ", Enumerable.Range(0, report.AdjacentCosine.Count)) + " |");
        s.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---|", report.AdjacentCosine.Count)));
        s.AppendLine("| S | " + string.Join(" | ", report.AdjacentCosine.Select(v => v.ToString("F3", c))) + " |");
        return s.ToString();
    }
}
