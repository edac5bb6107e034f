using System.Text;

namespace Cqil.Lab.Core.Tokenization;

/// <summary>
/// Writes a minimal SentencePiece ModelProto (pieces with scores and types, BPE trainer spec, normalizer
/// spec), enough for Microsoft.ML.Tokenizers' SentencePiece reader. Used to bring vocabularies that come
/// in other containers (llama2.c's tokenizer.bin) into the same tokenizer implementation.
/// Field numbers follow sentencepiece_model.proto.
/// </summary>
internal static class SentencePieceModelWriter
{
    public enum PieceType
    {
        Normal = 1,
        Unknown = 2,
        Control = 3,
        UserDefined = 4,
        Byte = 6,
    }

    public sealed record Piece(string Text, float Score, PieceType Type);

    public static byte[] Write(IReadOnlyList<Piece> pieces, bool byteFallback, bool addDummyPrefix, bool removeExtraWhitespaces, int unkId, int bosId, int eosId)
    {
        using var model = new MemoryStream();
        foreach (var piece in pieces)
        {
            using var p = new MemoryStream();
            WriteString(p, 1, piece.Text);
            WriteFloat(p, 2, piece.Score);
            WriteVarintField(p, 3, (ulong)piece.Type);
            WriteBytes(model, 1, p.ToArray());
        }

        using var trainer = new MemoryStream();
        WriteVarintField(trainer, 3, 2); // model_type = BPE
        WriteVarintField(trainer, 4, (ulong)pieces.Count);
        WriteVarintField(trainer, 35, byteFallback ? 1UL : 0UL);
        WriteVarintField(trainer, 40, (ulong)(long)unkId);
        WriteVarintField(trainer, 41, (ulong)(long)bosId);
        WriteVarintField(trainer, 42, (ulong)(long)eosId);
        WriteBytes(model, 2, trainer.ToArray());

        using var normalizer = new MemoryStream();
        WriteString(normalizer, 1, "identity");
        WriteVarintField(normalizer, 3, addDummyPrefix ? 1UL : 0UL);
        WriteVarintField(normalizer, 4, removeExtraWhitespaces ? 1UL : 0UL);
        WriteVarintField(normalizer, 5, 1); // escape_whitespaces
        WriteBytes(model, 3, normalizer.ToArray());
        return model.ToArray();
    }

    private static void WriteVarint(Stream s, ulong value)
    {
        while (value >= 0x80)
        {
            s.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        s.WriteByte((byte)value);
    }

    private static void WriteVarintField(Stream s, int field, ulong value)
    {
        WriteVarint(s, (ulong)(field << 3));
        WriteVarint(s, value);
    }

    private static void WriteFloat(Stream s, int field, float value)
    {
        WriteVarint(s, (ulong)((field << 3) | 5));
        Span<byte> b = stackalloc byte[4];
        BitConverter.TryWriteBytes(b, value);
        s.Write(b);
    }

    private static void WriteBytes(Stream s, int field, byte[] bytes)
    {
        WriteVarint(s, (ulong)((field << 3) | 2));
        WriteVarint(s, (ulong)bytes.Length);
        s.Write(bytes);
    }

    private static void WriteString(Stream s, int field, string text) => WriteBytes(s, field, Encoding.UTF8.GetBytes(text));
}
