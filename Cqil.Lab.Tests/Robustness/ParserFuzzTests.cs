using System.Text;
using Cqil.Lab.Core.Analysis;
using Cqil.Lab.Core.Checkpoints;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Evaluation;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Core.Tokenization;
using Cqil.Lab.Tests.Fixtures;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Robustness;

/// <summary>Every parser meets 1000 mutated inputs: each parses or is refused with a one-line message; nothing crashes.</summary>
public sealed class ParserFuzzTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private string Write(string name, byte[] bytes)
    {
        string path = dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Safetensors_headers_and_data()
    {
        var seed = FuzzSeeds.Safetensors(dir.Path);
        MutationFuzzer.Check("safetensors", seed, bytes =>
        {
            using var file = SafetensorsFile.Open(Write("m.safetensors", bytes));
            foreach (var name in file.Entries.Keys)
            {
                file.Read(name).Dispose();
            }
        });
    }

    [Fact]
    public void Config_json() =>
        MutationFuzzer.Check("config.json", FuzzSeeds.Config(), bytes => HuggingFaceConfigReader.Read(Write("config.json", bytes)));

    [Fact]
    public void Tokenizer_json_load_and_use() =>
        MutationFuzzer.Check("tokenizer.json", FuzzSeeds.TokenizerJson(), bytes =>
        {
            var tokenizer = TokenizerLoader.Load(Write("tokenizer.json", bytes));
            tokenizer.Decode(tokenizer.Encode("ab ab € a"));
        });

    [Fact]
    public void Llama2c_tokenizer_bin_load_and_use() =>
        MutationFuzzer.Check("tokenizer.bin", FuzzSeeds.Llama2cTokenizer(), bytes =>
        {
            var tokenizer = TokenizerLoader.Load(Write("tok.bin", bytes));
            tokenizer.Decode(tokenizer.Encode("a b ab"));
        });

    [Fact]
    public void SentencePiece_model_load_and_use() =>
        MutationFuzzer.Check("tokenizer.model", FuzzSeeds.SentencePieceModel(), bytes =>
        {
            var tokenizer = TokenizerLoader.Load(Write("tokenizer.model", bytes));
            tokenizer.Decode(tokenizer.Encode("a aa"));
        });

    [Fact]
    public void Llama2c_checkpoint() =>
        MutationFuzzer.Check("llama2c .bin", FuzzSeeds.Llama2cCheckpoint(), bytes =>
        {
            using var model = Llama2cCheckpoint.Load(Write("model.bin", bytes), ScalarType.Float32, CPU);
        });

    [Fact]
    public void Lab_plan_json() =>
        MutationFuzzer.Check("lab plan", FuzzSeeds.LabPlan(), bytes => PlanDocument.Parse(Encoding.UTF8.GetString(bytes), "plan.json"));

    [Fact]
    public void Authors_plan_json() =>
        MutationFuzzer.Check("authors' plan", FuzzSeeds.AuthorsPlan(), bytes => AuthorsPlanFormat.Import(Encoding.UTF8.GetString(bytes), 8, "config.json"));

    [Fact]
    public void Plan_files_by_path() =>
        MutationFuzzer.Check("plan file", FuzzSeeds.LabPlan(), bytes => PlanFiles.Read(Write("plan.json", bytes), 8));

    [Fact]
    public void Analysis_json()
    {
        var config = new LlamaConfig { VocabSize = 20, HiddenSize = 8, IntermediateSize = 16, NumLayers = 3, NumHeads = 2, NumKvHeads = 1, HeadDim = 4, MaxPositions = 16 };
        using var model = RandomModel.Create(config, seed: 1);
        var seed = SimilarityAnalyzer.Run(model, CalibrationSet.FromIds([[1, 2, 3, 4], [5, 6, 7]], "ids", 8), new AnalysisSettings()).ToJson();
        MutationFuzzer.Check("analysis", Encoding.UTF8.GetBytes(seed), bytes => LayerSimilarityAnalysis.Parse(Encoding.UTF8.GetString(bytes), "a.json"));
    }

    public static TheoryData<string> TaskNames => new(FuzzSeeds.Tasks.Keys);

    [Theory]
    [MemberData(nameof(TaskNames))]
    public void Task_files(string task)
    {
        var (file, text) = FuzzSeeds.Tasks[task];
        if (task == "piqa")
        {
            File.WriteAllText(dir.File("valid-labels.lst"), "0\n0\n");
        }
        MutationFuzzer.Check(task, Encoding.UTF8.GetBytes(text), bytes =>
        {
            var evalTask = TaskCatalog.Load(task, Write(file, bytes));
            Assert.NotNull(evalTask);
        }, expectRejections: task != "text");
    }

    [Fact]
    public void Piqa_labels_file()
    {
        var (file, text) = FuzzSeeds.Tasks["piqa"];
        string data = Write(file, Encoding.UTF8.GetBytes(text));
        MutationFuzzer.Check("piqa labels", "1\n0\n"u8.ToArray(), bytes =>
        {
            Write("valid-labels.lst", bytes);
            TaskCatalog.Load("piqa", data);
        });
    }

    [Fact]
    public void Evaluation_result_json()
    {
        var config = new LlamaConfig { VocabSize = 300, HiddenSize = 8, IntermediateSize = 16, NumLayers = 2, NumHeads = 2, NumKvHeads = 1, HeadDim = 4, MaxPositions = 64 };
        using var model = RandomModel.Create(config, seed: 1);
        var tokenizer = TokenizerLoader.Load(Write("tokenizer.json", FuzzSeeds.TokenizerJson()));
        var (file, text) = FuzzSeeds.Tasks["mc-jsonl"];
        var task = TaskCatalog.Load("mc-jsonl", Write(file, Encoding.UTF8.GetBytes(text)));
        string seed = TaskEvaluator.Run(model, tokenizer, task).Result.ToJson();
        MutationFuzzer.Check("evaluation result", Encoding.UTF8.GetBytes(seed), bytes => EvaluationResult.Load(Write("result.json", bytes)));
    }

    [Fact]
    public void Uploaded_calibration_text()
    {
        var tokenizer = TokenizerLoader.Load(Write("tokenizer.json", FuzzSeeds.TokenizerJson()));
        MutationFuzzer.Check("upload", "ab a b\n\nab ab €\n"u8.ToArray(),
            bytes => CalibrationSet.FromText(Encoding.UTF8.GetString(bytes), "upload", tokenizer, 16, 4), expectRejections: false);
    }
}
