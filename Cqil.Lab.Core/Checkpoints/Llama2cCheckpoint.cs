using System.Security.Cryptography;
using Cqil.Lab.Core.Model;
using static TorchSharp.torch;
using N = Cqil.Lab.Core.Checkpoints.HuggingFaceNames;

namespace Cqil.Lab.Core.Checkpoints;

/// <summary>
/// Loads a llama2.c checkpoint in its legacy format (what run.c reads): seven int32 header fields (dim,
/// hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size — negative when the classifier is not shared —
/// and seq_len), then float32 weights grouped by kind across layers. llama2.c rotates adjacent pairs
/// (x[2i], x[2i+1]); the q/k rows are permuted here into the rotate-half layout the engine uses, which
/// computes the same function.
/// </summary>
public static class Llama2cCheckpoint
{
    private const int HeaderBytes = 28;
    private const uint VersionedMagic = 0x616b3432; // "ak42", llama2.c export --version 1+

    public static bool LooksLikeCheckpoint(string path) =>
        File.Exists(path) && path.EndsWith(".bin", StringComparison.OrdinalIgnoreCase) && new FileInfo(path).Length > HeaderBytes
        && !Path.GetFileName(path).StartsWith("tok", StringComparison.OrdinalIgnoreCase);

    public static LlamaConfig ReadConfig(string path) => ReadLayout(path).Config;

    public static LlamaModel Load(string path, ScalarType dtype, Device device)
    {
        var layout = ReadLayout(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
        return EngineLayoutAssembler.Build(layout.Config, new Source(path, stream, layout), dtype, device, Identity(path, layout.Config, stream));
    }

    /// <summary>Name, format and fingerprint without loading the weights.</summary>
    public static ModelIdentity ReadIdentity(string path)
    {
        var layout = ReadLayout(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
        return Identity(path, layout.Config, stream);
    }

    private static ModelIdentity Identity(string path, LlamaConfig config, FileStream stream) =>
        new(Path.GetFileNameWithoutExtension(path), Path.GetFullPath(path), "llama2c", config.NumLayers, Fingerprint(stream));

    private sealed record Layout(LlamaConfig Config, Dictionary<string, (long Offset, long[] Shape, int PermuteHeads)> Tensors);

    private static Layout ReadLayout(string path)
    {
        byte[] header = new byte[HeaderBytes];
        long length;
        try
        {
            using var stream = File.OpenRead(path);
            length = stream.Length;
            if (length < HeaderBytes)
            {
                throw InvalidInputException.ForFile(path, $"truncated: {length} bytes, too short for a llama2.c header");
            }
            stream.ReadExactly(header);
        }
        catch (FileNotFoundException)
        {
            throw InvalidInputException.ForFile(path, "checkpoint not found");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw InvalidInputException.ForFile(path, "cannot read: " + e.Message, e);
        }
        if (BitConverter.ToUInt32(header, 0) == VersionedMagic)
        {
            throw InvalidInputException.ForFile(path, $"llama2.c export version {BitConverter.ToInt32(header, 4)} is not supported; export with --version 0 (legacy, what run.c reads) or as a Hugging Face folder");
        }
        int dim = BitConverter.ToInt32(header, 0), hidden = BitConverter.ToInt32(header, 4), layers = BitConverter.ToInt32(header, 8);
        int heads = BitConverter.ToInt32(header, 12), kvHeads = BitConverter.ToInt32(header, 16), vocabField = BitConverter.ToInt32(header, 20);
        int seqLen = BitConverter.ToInt32(header, 24);
        if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocabField == 0 || seqLen <= 0
            || dim % heads != 0 || heads % kvHeads != 0 || dim > 1 << 16 || hidden > 1 << 18 || layers > 1024 || Math.Abs((long)vocabField) > 1 << 22 || seqLen > 1 << 22)
        {
            throw InvalidInputException.ForFile(path, $"implausible llama2.c header (dim {dim}, hidden {hidden}, layers {layers}, heads {heads}, kv heads {kvHeads}, vocab {vocabField}, seq_len {seqLen})");
        }
        bool shared = vocabField > 0;
        int vocab = Math.Abs(vocabField);
        int headSize = dim / heads;
        int kvDim = kvHeads * headSize;
        var config = new LlamaConfig
        {
            ModelType = "llama",
            VocabSize = vocab,
            HiddenSize = dim,
            IntermediateSize = hidden,
            NumLayers = layers,
            NumHeads = heads,
            NumKvHeads = kvHeads,
            HeadDim = headSize,
            RmsNormEps = 1e-5,
            RopeTheta = 10000.0,
            MaxPositions = seqLen,
            TieWordEmbeddings = shared,
            BosTokenId = 1,
            EosTokenIds = [2],
            StoredDtype = "float32",
        };
        config.Validate(path);

        var tensors = new Dictionary<string, (long, long[], int)>();
        long at = HeaderBytes;
        void Add(string name, long[] shape, int permuteHeads = 0)
        {
            tensors[name] = (at, shape, permuteHeads);
            at += 4 * shape.Aggregate(1L, (a, b) => a * b);
        }
        void PerLayer(string part, long[] shape, int permuteHeads = 0)
        {
            for (int i = 0; i < layers; i++)
            {
                Add(N.Layer(i, part), shape, permuteHeads);
            }
        }
        Add(N.Embedding, [vocab, dim]);
        PerLayer(N.AttentionNorm, [dim]);
        PerLayer(N.Q + ".weight", [dim, dim], heads);
        PerLayer(N.K + ".weight", [kvDim, dim], kvHeads);
        PerLayer(N.V + ".weight", [kvDim, dim]);
        PerLayer(N.O + ".weight", [dim, dim]);
        PerLayer(N.FeedForwardNorm, [dim]);
        PerLayer(N.Gate, [hidden, dim]);
        PerLayer(N.Down, [dim, hidden]);
        PerLayer(N.Up, [hidden, dim]);
        Add(N.FinalNorm, [dim]);
        at += 4L * seqLen * headSize; // legacy freq_cis_real and freq_cis_imag, unused
        if (!shared)
        {
            Add(N.Head, [vocab, dim]);
        }
        if (length != at)
        {
            throw InvalidInputException.ForFile(path, length < at
                ? $"truncated: {length} bytes, but the header implies {at}"
                : $"{length} bytes, but the header implies {at}; not a legacy llama2.c checkpoint of this shape");
        }
        return new Layout(config, tensors);
    }

    private static string Fingerprint(FileStream stream)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        hash.AppendData(BitConverter.GetBytes(stream.Length));
        // Small files are hashed whole; large ones by evenly spaced 1 MiB blocks (cheap, still content-based).
        long blocks = (stream.Length + buffer.Length - 1) / buffer.Length;
        long step = Math.Max(1, blocks / 64);
        for (long b = 0; b < blocks; b += step)
        {
            int n = RandomAccess.Read(stream.SafeFileHandle, buffer, b * buffer.Length);
            hash.AppendData(buffer, 0, n);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private sealed class Source(string path, FileStream stream, Layout layout) : ITensorSource
    {
        public bool Contains(string name) => layout.Tensors.ContainsKey(name);

        public Tensor Read(string name, long[] expectedShape)
        {
            if (!layout.Tensors.TryGetValue(name, out var info))
            {
                throw InvalidInputException.ForFile(path, $"missing tensor '{name}'");
            }
            if (!info.Shape.SequenceEqual(expectedShape))
            {
                throw InvalidInputException.ForFile(path, $"tensor '{name}' has shape [{string.Join(", ", info.Shape)}], expected [{string.Join(", ", expectedShape)}]");
            }
            var tensor = empty(info.Shape, ScalarType.Float32, CPU);
            var target = tensor.bytes;
            int done = 0;
            while (done < target.Length)
            {
                int n = RandomAccess.Read(stream.SafeFileHandle, target[done..], info.Offset + done);
                if (n == 0)
                {
                    tensor.Dispose();
                    throw InvalidInputException.ForFile(path, $"tensor '{name}': file ended early (truncated)");
                }
                done += n;
            }
            if (info.PermuteHeads == 0)
            {
                return tensor;
            }
            // Rows (2i, 2i+1) of each head become rows (i, i + headDim/2): adjacent-pair RoPE → rotate-half RoPE.
            long rows = info.Shape[0], cols = info.Shape[1], half = rows / info.PermuteHeads / 2;
            using (tensor)
            {
                using var scope = NewDisposeScope();
                var permuted = tensor.view(info.PermuteHeads, half, 2, cols).transpose(1, 2).reshape(rows, cols).contiguous();
                return scope.MoveToOuter(permuted);
            }
        }
    }
}
