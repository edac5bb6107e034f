using Cqil.Lab.Core;
using Cqil.Lab.Core.Evaluation;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Evaluation;

/// <summary>Each data format (official and Hugging Face exports) and the one-line errors for malformed files.</summary>
public sealed class TaskReaderTests
{
    private static MultipleChoiceItem Item(EvalTask task, int i) => (MultipleChoiceItem)task.Items[i];

    [Fact]
    public void Piqa_reads_official_files_with_labels_and_hugging_face_exports()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("valid.jsonl"), "{\"goal\": \"Open a jar\", \"sol1\": \"Twist the lid.\", \"sol2\": \"Hit it.\"}\n\n{\"goal\": \"g\", \"sol1\": \"a\", \"sol2\": \"b\"}\n");
        File.WriteAllText(dir.File("valid-labels.lst"), "0\n1\n");
        var task = PiqaReader.Read(dir.File("valid.jsonl"));
        Assert.Equal(2, task.Items.Count);
        Assert.Equal(2, task.Sources.Count);
        Assert.Equal(new LoglikelihoodRequest("Question: Open a jar\nAnswer:", " Twist the lid."), Item(task, 0).Requests[0]);
        Assert.Equal(1, Item(task, 1).Gold);

        File.WriteAllText(dir.File("hf.jsonl"), "{\"goal\": \"g\", \"sol1\": \"a\", \"sol2\": \"b\", \"label\": 1}\n");
        Assert.Equal(1, Item(PiqaReader.Read(dir.File("hf.jsonl")), 0).Gold);

        File.WriteAllText(dir.File("valid-labels.lst"), "0\n7\n");
        var bad = Assert.Throws<InvalidInputException>(() => PiqaReader.Read(dir.File("valid.jsonl")));
        Assert.Equal($"{dir.File("valid-labels.lst")}:2: expected a label 0..1, got \"7\"", bad.Message);
        File.Delete(dir.File("valid-labels.lst"));
        Assert.Contains("no labels: expected valid-labels.lst beside it", Assert.Throws<InvalidInputException>(() => PiqaReader.Read(dir.File("valid.jsonl"))).Message);
    }

    [Fact]
    public void Arc_reads_ai2_and_hugging_face_schemas()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("ai2.jsonl"),
            "{\"id\": \"q1\", \"question\": {\"stem\": \"Which is a gas?\", \"choices\": [{\"text\": \"ice\", \"label\": \"1\"}, {\"text\": \"steam\", \"label\": \"2\"}, {\"text\": \"rock\", \"label\": \"3\"}]}, \"answerKey\": \"2\"}\n");
        var ai2 = ArcReader.Read(dir.File("ai2.jsonl"), "arc_easy");
        Assert.Equal("q1", ai2.Items[0].Id);
        Assert.Equal(1, Item(ai2, 0).Gold);
        Assert.Equal(["ice", "steam", "rock"], Item(ai2, 0).Choices);
        Assert.Equal("Question: Which is a gas?\nAnswer:", Item(ai2, 0).Requests[2].Context);

        File.WriteAllText(dir.File("hf.jsonl"), "{\"id\": \"q2\", \"question\": \"Q?\", \"choices\": {\"text\": [\"a\", \"b\", \"c\", \"d\", \"e\"], \"label\": [\"A\", \"B\", \"C\", \"D\", \"E\"]}, \"answerKey\": \"E\"}\n");
        Assert.Equal(4, Item(ArcReader.Read(dir.File("hf.jsonl"), "arc_challenge"), 0).Gold);

        File.WriteAllText(dir.File("bad.jsonl"), "{\"id\": \"q\", \"question\": \"Q?\", \"choices\": {\"text\": [\"a\", \"b\"], \"label\": [\"A\", \"B\"]}, \"answerKey\": \"C\"}\n");
        Assert.Equal($"{dir.File("bad.jsonl")}:1: answerKey \"C\" is not one of the labels A, B", Assert.Throws<InvalidInputException>(() => ArcReader.Read(dir.File("bad.jsonl"), "arc_easy")).Message);
    }

    [Fact]
    public void WinoGrande_builds_partial_scoring_requests()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("dev.jsonl"), "{\"qID\": \"w1\", \"sentence\": \"Sarah beat Maria so _ won.\", \"option1\": \"Sarah\", \"option2\": \"Maria\", \"answer\": \"1\"}\n{\"sentence\": \"x _ y\", \"option1\": \"a\", \"option2\": \"b\", \"answer\": 2}\n");
        var task = WinoGrandeReader.Read(dir.File("dev.jsonl"));
        Assert.Equal([new LoglikelihoodRequest("Sarah beat Maria so Sarah", " won."), new LoglikelihoodRequest("Sarah beat Maria so Maria", " won.")], Item(task, 0).Requests);
        Assert.Equal(0, Item(task, 0).Gold);
        Assert.Equal(1, Item(task, 1).Gold);
        Assert.Equal(["acc"], task.Metrics);

        File.WriteAllText(dir.File("test.jsonl"), "{\"sentence\": \"x _ y\", \"option1\": \"a\", \"option2\": \"b\", \"answer\": \"\"}\n");
        Assert.StartsWith($"{dir.File("test.jsonl")}:1: answer must be \"1\" or \"2\"", Assert.Throws<InvalidInputException>(() => WinoGrandeReader.Read(dir.File("test.jsonl"))).Message);
    }

    [Fact]
    public void HellaSwag_reads_the_llama_cpp_text_layout_and_the_original_jsonl()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("val.txt"), "Roof shingle removal: A man is sitting on a roof. he\n3\nis using wrap.\nis ripping [x] tiles off.\nis holding a cube.\nstarts pulling up roofing.\n");
        var text = HellaSwagReader.Read(dir.File("val.txt"));
        Assert.Equal("hellaswag-llamacpp-text", text.Format);
        Assert.Equal("Roof shingle removal: A man is sitting on a roof. He", Item(text, 0).Requests[0].Context);
        Assert.Equal(" is ripping tiles off.", Item(text, 0).Requests[1].Continuation);
        Assert.Equal(3, Item(text, 0).Gold);

        File.WriteAllText(dir.File("val.jsonl"), "{\"ind\": 24, \"activity_label\": \"Roof shingle removal\", \"ctx_a\": \"A man is sitting on a roof.\", \"ctx_b\": \"he\", \"endings\": [\"a\", \"b\", \"c\", \"d [title] e\"], \"label\": \"3\"}\n");
        var json = HellaSwagReader.Read(dir.File("val.jsonl"));
        Assert.Equal(Item(text, 0).Requests[0].Context, Item(json, 0).Requests[0].Context);
        Assert.Equal("d. e", Item(json, 0).Choices[3]);
        Assert.Equal("24", json.Items[0].Id);

        File.WriteAllText(dir.File("short.txt"), "ctx\n3\na\nb\n");
        Assert.Contains("6 lines per item", Assert.Throws<InvalidInputException>(() => HellaSwagReader.Read(dir.File("short.txt"))).Message);
        File.WriteAllText(dir.File("gold.txt"), "ctx\nx\na\nb\nc\nd\n");
        Assert.Equal($"{dir.File("gold.txt")}:2: expected the gold ending 0-3 of the item starting on line 1, got \"x\"", Assert.Throws<InvalidInputException>(() => HellaSwagReader.Read(dir.File("gold.txt"))).Message);
    }

    [Fact]
    public void BoolQ_reads_the_json_array_and_jsonl_exports()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("dev.json"), "[{\"question\": \"is it\", \"title\": \"t\", \"answer\": true, \"passage\": \"P.\"},\n {\"question\": \"is not\", \"answer\": false, \"passage\": \"Q.\"}]");
        var array = BoolQReader.Read(dir.File("dev.json"));
        Assert.Equal([new LoglikelihoodRequest("P.\nQuestion: is it?\nAnswer:", " no"), new LoglikelihoodRequest("P.\nQuestion: is it?\nAnswer:", " yes")], Item(array, 0).Requests);
        Assert.Equal(1, Item(array, 0).Gold);
        Assert.Equal(0, Item(array, 1).Gold);

        File.WriteAllText(dir.File("hf.jsonl"), "{\"question\": \"q\", \"passage\": \"p\", \"idx\": 7, \"label\": 1}\n");
        Assert.Equal(1, Item(BoolQReader.Read(dir.File("hf.jsonl")), 0).Gold);

        File.WriteAllText(dir.File("bad.json"), "[{\"question\": \"q\", \"passage\": \"p\", \"answer\": true},\n {\"question\": \"q\", \"passage\": \"p\", \"answer\": \"yes\"}]");
        Assert.Equal($"{dir.File("bad.json")}:2: field \"answer\" must be true or false, got a string", Assert.Throws<InvalidInputException>(() => BoolQReader.Read(dir.File("bad.json"))).Message);
    }

    [Fact]
    public void Generic_multiple_choice_and_plain_text_formats()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("mc.jsonl"), "{\"context\": \"2 + 2 =\", \"choices\": [\"3\", \"4\"], \"gold\": 1, \"id\": \"sum\"}\n");
        var mc = GenericMultipleChoiceReader.Read(dir.File("mc.jsonl"));
        Assert.Equal(new LoglikelihoodRequest("2 + 2 =", " 4"), Item(mc, 0).Requests[1]);
        Assert.Equal("sum", mc.Items[0].Id);
        File.WriteAllText(dir.File("mc-bad.jsonl"), "{\"context\": \"c\", \"choices\": [\"a\", \"b\"], \"gold\": 2}\n");
        Assert.Equal($"{dir.File("mc-bad.jsonl")}:1: \"gold\" 2 is not an index into the 2 choices", Assert.Throws<InvalidInputException>(() => GenericMultipleChoiceReader.Read(dir.File("mc-bad.jsonl"))).Message);

        File.WriteAllText(dir.File("story.txt"), "Once upon a time.\r\nThe end.\r\n");
        var text = PlainTextReader.Read(dir.File("story.txt"));
        var doc = Assert.IsType<PerplexityDocument>(Assert.Single(text.Items));
        Assert.Equal("Once upon a time.\nThe end.\n", doc.Text);
        Assert.Equal(7, doc.Words); // ['Once','upon','a','time.','The','end.',''] after the final newline
        File.WriteAllText(dir.File("docs.jsonl"), "{\"text\": \"a b\"}\n{\"text\": \"c\"}\n");
        Assert.Equal(2, PlainTextReader.Read(dir.File("docs.jsonl")).Items.Count);
    }

    [Fact]
    public void WikiText_rows_layout_is_rebuilt_into_pages()
    {
        using var dir = new TempDirectory();
        string[] rows = ["", " = A = \n", "", " Text of a . \n", "", " = = Part = = \n", "", " More @-@ text . \n", "", " = B = \n", "", " Other . \n", ""];
        File.WriteAllText(dir.File("wiki.txt"), string.Join("\n\n", rows).Replace("\n", "\r\n"));
        var task = WikiTextReader.Read(dir.File("wiki.txt"));
        Assert.Equal("wikitext-hf-rows-joined", task.Format);
        Assert.Equal(2, task.Items.Count);
        Assert.Equal(" = A = \n \n Text of a . \n \n = = Part = = \n \n More @-@ text . \n ", WikiTextReader.SplitPages(WikiTextReader.RawFromRows(rows))[0]);
        Assert.Equal(" = A =\n\nText of a.\n\n== Part ==\n\nMore-text.\n", ((PerplexityDocument)task.Items[0]).Text);

        File.WriteAllText(dir.File("pages.jsonl"), "{\"page\": \" = A = \\n x \\n\"}\n");
        Assert.Equal("wikitext-document-jsonl", WikiTextReader.Read(dir.File("pages.jsonl")).Format);
        File.WriteAllText(dir.File("broken.txt"), " = A = \nno blank line after a row\n");
        Assert.Contains("not the Hugging Face rows layout", Assert.Throws<InvalidInputException>(() => WikiTextReader.Read(dir.File("broken.txt"))).Message);
    }

    [Fact]
    public void Malformed_json_and_missing_files_name_file_and_line()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("broken.jsonl"), "{\"text\": \"ok\"}\n{\"text\": \"unterminated}\n");
        var e = Assert.Throws<InvalidInputException>(() => LambadaReader.Read(dir.File("broken.jsonl")));
        Assert.StartsWith($"{dir.File("broken.jsonl")}:2: not valid JSON", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        File.WriteAllText(dir.File("missing.jsonl"), "{\"goal\": \"g\", \"sol1\": \"a\", \"label\": 0}\n");
        Assert.Equal($"{dir.File("missing.jsonl")}:1: missing field \"sol2\"", Assert.Throws<InvalidInputException>(() => PiqaReader.Read(dir.File("missing.jsonl"))).Message);
        Assert.Equal($"{dir.File("none.jsonl")}: no such file", Assert.Throws<InvalidInputException>(() => TaskCatalog.Load("lambada_openai", dir.File("none.jsonl"))).Message);
        File.WriteAllText(dir.File("empty.jsonl"), "\n\n");
        Assert.Contains("no records", Assert.Throws<InvalidInputException>(() => LambadaReader.Read(dir.File("empty.jsonl"))).Message);
        Assert.StartsWith("unknown task 'mmlu'", Assert.Throws<InvalidInputException>(() => TaskCatalog.Find("mmlu")).Message);
        Assert.Equal("arc_easy", TaskCatalog.Find("arc-easy").Name);
    }
}
