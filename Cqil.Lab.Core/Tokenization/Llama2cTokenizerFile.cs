using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Cqil.Lab.Core.Tokenization;

/// <summary>
/// llama2.c's tokenizer.bin: int32 max_token_length, then per token float32 score, int32 byte length and the
/// piece's bytes (a space stands for SentencePiece's "▁"). Ids 0, 1, 2 are unk, BOS, EOS by llama2.c's
/// convention. Converted to a SentencePiece BPE model so the same Microsoft.ML.Tokenizers code encodes it;
/// like run.c's encoder it adds a dummy prefix and keeps repeated spaces.
/// </summary>
public static partial class Llama2cTokenizerFile
{
    public static TextTokenizer Load(string path)
    {
        byte[] data = ReadFile(path);
        var pieces = ParsePieces(path, data);
        byte[] proto = SentencePieceModelWriter.Write(pieces, byteFallback: true, addDummyPrefix: true, removeExtraWhitespaces: false, unkId: 0, bosId: 1, eosId: 2);
        using var stream = new MemoryStream(proto);
        var inner = MalformedInput.Guard(path, "llama2.c tokenizer", () => LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false));
        return new TextTokenizer(inner, path, "llama2c", pieces.Count, bosId: 1, eosIds: [2], addBosByDefault: true);
    }

    private static byte[] ReadFile(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw InvalidInputException.ForFile(path, "cannot read tokenizer file: " + e.Message, e);
        }
    }

    private static List<SentencePieceModelWriter.Piece> ParsePieces(string path, byte[] data)
    {
        if (data.Length < 4)
        {
            throw InvalidInputException.ForFile(path, "too short for a llama2.c tokenizer (no max_token_length header)");
        }
        int maxLength = BitConverter.ToInt32(data, 0);
        if (maxLength <= 0 || maxLength > 1 << 16)
        {
            throw InvalidInputException.ForFile(path, $"max_token_length {maxLength} is not plausible; not a llama2.c tokenizer.bin");
        }
        var pieces = new List<SentencePieceModelWriter.Piece>();
        int at = 4;
        var utf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);
        while (at < data.Length)
        {
            if (at + 8 > data.Length)
            {
                throw InvalidInputException.ForFile(path, $"truncated entry for token {pieces.Count} at byte {at}");
            }
            float score = BitConverter.ToSingle(data, at);
            int length = BitConverter.ToInt32(data, at + 4);
            at += 8;
            if (length < 0 || length > maxLength || at + length > data.Length)
            {
                throw InvalidInputException.ForFile(path, $"token {pieces.Count} has length {length} (max {maxLength}, {data.Length - at} bytes left)");
            }
            string text;
            try
            {
                text = utf8.GetString(data, at, length);
            }
            catch (DecoderFallbackException)
            {
                throw InvalidInputException.ForFile(path, $"token {pieces.Count} is not valid UTF-8");
            }
            at += length;
            pieces.Add(ToPiece(pieces.Count, text, score));
        }
        if (pieces.Count < 3)
        {
            throw InvalidInputException.ForFile(path, $"only {pieces.Count} tokens; expected at least unk, BOS and EOS");
        }
        return pieces;
    }

    private static SentencePieceModelWriter.Piece ToPiece(int id, string text, float score) => id switch
    {
        0 => new("<unk>", 0, SentencePieceModelWriter.PieceType.Unknown),
        1 => new("<s>", 0, SentencePieceModelWriter.PieceType.Control),
        2 => new("</s>", 0, SentencePieceModelWriter.PieceType.Control),
        _ when BytePiece().IsMatch(text) => new(text, score, SentencePieceModelWriter.PieceType.Byte),
        _ => new(text.Replace(' ', '▁'), score, SentencePieceModelWriter.PieceType.Normal),
    };

    [GeneratedRegex("^<0x[0-9A-F]{2}>$")]
    private static partial Regex BytePiece();
}
