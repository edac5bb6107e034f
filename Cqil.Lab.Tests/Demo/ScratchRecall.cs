using Cqil.Lab.Core;
using Cqil.Lab.Core.Demo;
using Cqil.Lab.Core.Tokenization;
using Cqil.Lab.Tests.Fixtures;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Demo;

public sealed class ScratchRecall
{
    [Fact]
    public void Recall()
    {
        if (Environment.GetEnvironmentVariable("EXP") is null)
        {
            return;
        }
        set_num_threads(2);
        using var folder = new TempDirectory();
        DemoTokenizerFiles.Write(folder.Path, 1);
        var tokenizer = TokenizerLoader.Load(folder.Path);
        int layers = int.Parse(Environment.GetEnvironmentVariable("L") ?? "4");
        bool restate = Environment.GetEnvironmentVariable("RESTATE") == "1";
        int hidden = int.Parse(Environment.GetEnvironmentVariable("H") ?? "128");
        int heads = int.Parse(Environment.GetEnvironmentVariable("HEADS") ?? "4");
        double wd = double.Parse(Environment.GetEnvironmentVariable("WD") ?? "0.1");
        double lr = double.Parse(Environment.GetEnvironmentVariable("LR") ?? "3e-3");
        int steps = int.Parse(Environment.GetEnvironmentVariable("STEPS") ?? "400");
        var trainable = TrainableLlama.Create(new DemoModelSpec { Layers = layers, Hidden = hidden, Heads = heads, Intermediate = 2 * hidden }.Config(tokenizer.VocabSize), long.Parse(Environment.GetEnvironmentVariable("SEED") ?? "1"));
        var parameters = trainable.All.ToArray();
        using var optimizer = optim.AdamW(parameters, lr: lr, weight_decay: wd);
        var random = new SplitMix64(1);
        using var grad = enable_grad();
        int rows = int.Parse(Environment.GetEnvironmentVariable("ROWS") ?? "16");
        int[] answerMarker = tokenizer.Encode("?\nAnswer:", addBos: false)[^2..];
        int isMarker = tokenizer.Encode("Where is", addBos: false)[^1];
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            var seqs = new List<(int[] Ids, int AnswerAt)>();
            for (int b = 0; b < rows; b++)
            {
                var range = (Environment.GetEnvironmentVariable("P") ?? "3").Split('-').Select(int.Parse).ToArray();
                int n = random.Between(range[0], range[^1]);
                var people = random.Sample(StoryLexicon.Names, n);
                var places = people.Select(_ => random.Pick(StoryLexicon.Places)).ToArray();
                string text = string.Join(" ", people.Select((p, i) => $"{p} is in the {places[i]}."));
                foreach (int ask in random.Sample(Enumerable.Range(0, n).ToArray(), n))
                {
                    text += $"\nQuestion: Where is {people[ask]}?\nAnswer:" + (restate ? $" {people[ask]} is in the" : "") + " " + places[ask];
                }
                var ids = tokenizer.Encode(text, addBos: false);
                seqs.Add((ids, ids.Length - 1));
            }
            int width = seqs.Max(s => s.Ids.Length) - 1;
            var inputs = new long[rows * width];
            var targets = new long[rows * width];
            var weights = new float[rows * width];
            Array.Fill(targets, TrainingBatch.Ignored);
            for (int b = 0; b < rows; b++)
            {
                for (int t = 0; t + 1 < seqs[b].Ids.Length; t++)
                {
                    inputs[b * width + t] = seqs[b].Ids[t];
                    targets[b * width + t] = seqs[b].Ids[t + 1];
                    bool focus = Environment.GetEnvironmentVariable("FOCUS") == "1";
                    bool key = t >= 1 && (seqs[b].Ids[t] == answerMarker[1] || seqs[b].Ids[t] == isMarker) && t >= 2;
                    weights[b * width + t] = !focus || key ? 1 : 0;
                }
            }
            var batch = new TrainingBatch(inputs, targets, weights, rows, width, 0);
            var (i, tt, w) = batch.ToTensors(CPU);
            optimizer.zero_grad();
            var logits = trainable.Model.Forward(i);
            var loss = TrainingBatch.Loss(logits, tt, w);
            loss.backward();
            optimizer.step();
            if (step % 25 == 0)
            {
                using var noGrad = no_grad();
                var logProbs = logits.log_softmax(-1);
                var nameIds = StoryLexicon.Names.Select(n => tokenizer.Encode(" " + n, addBos: false)[^1]).ToHashSet();
                var placeIds = StoryLexicon.Places.Select(n => tokenizer.Encode(" " + n, addBos: false)[^1]).ToHashSet();
                int isId = tokenizer.Encode("Where is", addBos: false)[^1];
                int colonId = answerMarker[1];
                double subj = 0, ans = 0, intro = 0; int ns = 0, na = 0, ni = 0;
                for (int b = 0; b < rows; b++)
                {
                    var ids = seqs[b].Ids;
                    for (int t = 1; t < ids.Length; t++)
                    {
                        double lp = logProbs[b, t - 1, ids[t]].item<float>();
                        if (nameIds.Contains(ids[t]) && ids[t - 1] == isId) { subj += lp; ns++; }
                        else if (placeIds.Contains(ids[t]) && ids[t - 1] == colonId) { ans += lp; na++; }
                        else if (nameIds.Contains(ids[t])) { intro += lp; ni++; }
                    }
                }
                File.AppendAllText(Environment.GetEnvironmentVariable("EXP")!, $"recall step {step} loss {loss.item<float>():F3} nll: intro-name {-intro / ni:F2} question-subject {-subj / ns:F2} answer {-ans / na:F2}\n");
            }
        }
    }
}
