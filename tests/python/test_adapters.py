"""Each real model's adapter against stand-ins of the library API it calls
(stand_ins.py): the repository and revision, dtype, steps, guidance, image size,
per-item seeding, decoding parameters, prefix, pooling, normalisation and truncation
that decide its results, as docs/PYTHON_WORKER.md lists them beside the references'.
Runs on Debian's CPU torch; the models are placed on "cpu" instead of "cuda"."""
import unittest
from unittest import mock

import numpy as np
import torch
from PIL import Image

import stand_ins
from stand_ins import calls

stand_ins.install()

from panic_worker import embed, i2t, t2i  # noqa: E402  (after the stand-ins)
from panic_worker.errors import PermanentError  # noqa: E402


def loaded(cls, options=None):
    model = cls()
    model.device = "cpu"
    model.load(options or {})
    return model


def image(shade):
    return Image.new("RGB", (32, 24), (shade, 255 - shade, 7))


class TextToImageTest(unittest.TestCase):
    SETTINGS = {  # pipeline, repo, dtype, variant, steps, guidance, default size
        "FluxDev": ("FluxPipeline", "black-forest-labs/FLUX.1-dev", torch.bfloat16, None, 20, 3.5, 256),
        "FluxSchnell": ("FluxPipeline", "black-forest-labs/FLUX.1-schnell", torch.bfloat16, None, 6, 3.5, 256),
        "SDXLTurbo": ("AutoPipelineForText2Image", "stabilityai/sdxl-turbo", torch.float16, "fp16", 4, 0.0, 256),
        "SD35Medium": ("StableDiffusion3Pipeline", "stabilityai/stable-diffusion-3.5-medium", torch.bfloat16, None,
                       20, 5.0, 1024),
    }

    def setUp(self):
        stand_ins.install()

    def test_each_model_loads_and_draws_with_its_reference_settings(self):
        for cls in t2i.MODELS:
            with self.subTest(cls.name):
                stand_ins.CALLS.clear()
                pipeline, repo, dtype, variant, steps, guidance, size = self.SETTINGS[cls.name]
                model = loaded(cls)
                (load,) = calls(pipeline + ".from_pretrained")
                self.assertEqual(load["repo"], repo)
                self.assertEqual(load["torch_dtype"], dtype)
                self.assertEqual(load["variant"], variant)
                self.assertIsNone(load["revision"])
                self.assertEqual(model.pipe.device, "cpu")
                self.assertEqual(model.pipe.progress_bar_config, {"disable": True})
                images = model.invoke(["a red apple", "a penguin"], [3, -1])
                (call,) = calls(pipeline + "()")
                self.assertEqual(call["prompt"], ["a red apple", "a penguin"])
                self.assertEqual((call["num_inference_steps"], call["guidance_scale"]), (steps, guidance))
                self.assertEqual((call["height"], call["width"]), (size, size))
                self.assertEqual(len(call["generator"]), 2)
                self.assertEqual([im.size for im in images], [(size, size)] * 2)
                self.assertEqual({im.mode for im in images}, {"RGB"})

    def test_sd35_is_loaded_without_t5(self):
        loaded(t2i.SD35Medium)
        (load,) = calls("StableDiffusion3Pipeline.from_pretrained")
        self.assertIn("text_encoder_3", load)
        self.assertIsNone(load["text_encoder_3"])
        self.assertIsNone(load["tokenizer_3"])
        loaded(t2i.FluxDev)
        (flux,) = calls("FluxPipeline.from_pretrained")
        self.assertNotIn("text_encoder_3", flux)

    def test_a_seeded_image_does_not_depend_on_its_batch(self):
        model = loaded(t2i.FluxDev)
        batch = model.invoke(["x", "y", "z"], [11, 12, 13])
        alone = model.invoke(["y"], [12])
        self.assertEqual(batch[1].tobytes(), alone[0].tobytes())
        self.assertNotEqual(model.invoke(["y"], [14])[0].tobytes(), alone[0].tobytes())
        (seeded,) = model.invoke(["y"], [12])
        self.assertEqual(seeded.tobytes(), alone[0].tobytes())
        unseeded = [model.invoke(["y"], [-1])[0].tobytes() for _ in range(4)]
        self.assertGreater(len(set(unseeded)), 1, "seed -1 must draw fresh noise")

    def test_image_size_option(self):
        model = loaded(t2i.FluxSchnell, {"image_size": 512})
        self.assertEqual(model.invoke(["p"], [1])[0].size, (512, 512))
        for bad in (100, 1000, 4096, "512", True, 512.0):
            with self.subTest(bad=bad), self.assertRaises(PermanentError) as err:
                loaded(t2i.SD35Medium, {"image_size": bad})
            self.assertIn("image_size", str(err.exception))
        with self.assertRaises(PermanentError):
            loaded(t2i.SDXLTurbo, {"steps": 8})


class ImageToTextTest(unittest.TestCase):
    def setUp(self):
        stand_ins.install()

    def test_moondream_revision_dtype_and_caption_length(self):
        model = loaded(i2t.Moondream)
        (load,) = calls("AutoModelForCausalLM.from_pretrained")
        self.assertEqual(load["repo"], "vikhyatk/moondream2")
        self.assertEqual(load["revision"], "2025-01-09")
        self.assertTrue(load["trust_remote_code"])
        self.assertNotIn("torch_dtype", load, "the 2025-01-09 code is float16 throughout; a cast breaks it")
        self.assertIn("pyvips", i2t.Moondream.requires)
        self.assertEqual(model.model.device, "cpu")
        captions = model.invoke([image(10), image(20)], [5, -1])
        self.assertEqual(captions, ["a picture of shade %d" % (10 + 245 + 7), "a picture of shade %d" % (20 + 235 + 7)])
        self.assertEqual({c["length"] for c in calls("Moondream.caption")}, {"short"})

    def test_moondream_loaded_in_bfloat16_would_fail(self):
        # The fault this adapter fixes, as the stand-in reproduces it.
        from transformers import AutoModelForCausalLM
        broken = AutoModelForCausalLM.from_pretrained("vikhyatk/moondream2", revision="2025-01-09",
                                                      trust_remote_code=True, torch_dtype=torch.bfloat16)
        with self.assertRaises(RuntimeError):
            broken.caption(image(1), length="short")

    def test_blip2_decoding_follows_the_reference(self):
        model = loaded(i2t.BLIP2)
        self.assertEqual(calls("Blip2ForConditionalGeneration.from_pretrained")[0],
                         {"repo": "Salesforce/blip2-opt-2.7b", "torch_dtype": torch.float16})
        self.assertEqual(calls("Blip2Processor.from_pretrained")[0], {"repo": "Salesforce/blip2-opt-2.7b"})
        model.invoke([image(30), image(30)], [9, -1])
        seeded, unseeded = calls("Blip2.generate")
        self.assertEqual(seeded, {"pixel_dtype": torch.float16, "autocast": [], "max_length": 50, "num_beams": 5,
                                  "do_sample": True, "top_p": 0.9})
        self.assertEqual(unseeded, {"pixel_dtype": torch.float16, "autocast": [], "max_length": 50, "num_beams": 5,
                                    "do_sample": False})

    def test_blip2_generates_under_float16_autocast_on_cuda(self):
        # As the Python reference: generate() inside torch.autocast("cuda", float16).
        model = loaded(i2t.BLIP2)
        model.place("cuda")  # the stand-ins only record the device
        with mock.patch.object(torch, "autocast", stand_ins.Autocast):
            model.invoke([image(30)], [9])
        (gen,) = calls("Blip2.generate")
        self.assertEqual(gen["autocast"], [("cuda", torch.float16)])
        self.assertEqual(stand_ins.AUTOCAST, [], "the context is left after the call")

    def test_blip2_seeded_captions_repeat_and_do_not_depend_on_the_batch(self):
        model = loaded(i2t.BLIP2)
        first = model.invoke([image(40), image(50), image(60)], [1, 2, 3])
        again = model.invoke([image(50)], [2])
        self.assertEqual(first[1], again[0])
        self.assertNotEqual(model.invoke([image(50)], [4])[0], again[0])

    def test_florence2_native_class_bf16_and_task(self):
        model = loaded(i2t.Florence2)
        (load,) = calls("Florence2ForConditionalGeneration.from_pretrained")
        self.assertEqual(load, {"repo": "florence-community/Florence-2-large-ft", "torch_dtype": torch.bfloat16})
        self.assertEqual(calls("AutoProcessor.from_pretrained")[0], {"repo": "florence-community/Florence-2-large-ft"})
        self.assertEqual(model.model.device, "cpu")
        (text,) = model.invoke([image(70)], [3])
        self.assertRegex(text, r"^The image shows shade \d+\.$")
        self.assertEqual(calls("Florence2Processor()")[0]["text"], "<MORE_DETAILED_CAPTION>")
        (gen,) = calls("Florence2.generate")
        self.assertEqual((gen["max_new_tokens"], gen["num_beams"], gen["do_sample"]), (1024, 3, False))
        (post,) = calls("Florence2.post_process_generation")
        self.assertEqual(post, {"task": "<MORE_DETAILED_CAPTION>", "image_size": (32, 24)})

    def test_an_empty_caption_stays_empty(self):
        model = loaded(i2t.Moondream)
        self.assertEqual(model.invoke([Image.new("RGB", (8, 8))], [1]), [""])

    def test_captioners_take_no_options(self):
        for cls in i2t.MODELS:
            with self.subTest(cls.name), self.assertRaises(PermanentError):
                loaded(cls, {"image_size": 512})


class EmbeddingTest(unittest.TestCase):
    def setUp(self):
        stand_ins.install()

    def assertUnitRows(self, vectors, count):
        self.assertEqual(vectors.shape, (count, 768))
        self.assertEqual(vectors.dtype, np.float32)
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, rtol=1e-6)

    def test_sentence_transformers_models(self):
        for cls, repo in ((embed.STSBMpnet, "sentence-transformers/stsb-mpnet-base-v2"),
                          (embed.STSBRoberta, "sentence-transformers/stsb-roberta-base-v2"),
                          (embed.STSBDistilRoberta, "sentence-transformers/stsb-distilroberta-base-v2")):
            with self.subTest(cls.name):
                stand_ins.CALLS.clear()
                model = loaded(cls)
                self.assertEqual(calls("SentenceTransformer()")[0],
                                 {"repo": repo, "device": "cpu", "trust_remote_code": False, "revision": None,
                                  "truncate_dim": None})
                self.assertUnitRows(model.embed(["a", "b", ""]), 3)
                (enc,) = calls("SentenceTransformer.encode")
                self.assertEqual(enc["sentences"], ["a", "b", ""])
                self.assertEqual((enc["normalize_embeddings"], enc["convert_to_numpy"], enc["batch_size"]), (True, True, 3))
                self.assertIsNone(enc["prompt_name"])

    def test_nomic_v2_moe_with_the_document_prefix(self):
        model = loaded(embed.Nomic)
        self.assertEqual(calls("SentenceTransformer()")[0]["repo"], "nomic-ai/nomic-embed-text-v2-moe")
        self.assertTrue(calls("SentenceTransformer()")[0]["trust_remote_code"])
        vectors = model.embed(["a red apple", ""])
        self.assertUnitRows(vectors, 2)
        (enc,) = calls("SentenceTransformer.encode")
        self.assertEqual(enc["sentences"], ["search_document: a red apple", "search_document: "])
        self.assertTrue(enc["normalize_embeddings"])

    def test_jina_clip_towers_truncate_to_768(self):
        text = loaded(embed.JinaClip)
        self.assertEqual(calls("AutoModel.from_pretrained")[0], {"repo": "jinaai/jina-clip-v2", "trust_remote_code": True})
        self.assertUnitRows(text.embed(["x", "y"]), 2)
        (enc,) = calls("JinaClip.encode_text")
        self.assertEqual((enc["truncate_dim"], enc["task"]), (768, "retrieval.query"))
        vision = loaded(embed.JinaClipVision)
        self.assertUnitRows(vision.embed([image(1), image(2), image(3)]), 3)
        self.assertEqual(calls("JinaClip.encode_image")[0]["truncate_dim"], 768)

    def test_nomic_vision_pools_the_cls_token(self):
        model = loaded(embed.NomicVision)
        self.assertEqual(calls("AutoModel.from_pretrained")[0],
                         {"repo": "nomic-ai/nomic-embed-vision-v1.5", "trust_remote_code": True})
        self.assertEqual(calls("AutoImageProcessor.from_pretrained")[0], {"repo": "nomic-ai/nomic-embed-vision-v1.5"})
        images = [image(5), image(6)]
        vectors = model.embed(images)
        self.assertUnitRows(vectors, 2)
        hidden = model.model(**model.processor(images, return_tensors="pt")).last_hidden_state
        cls_token = hidden[:, 0].numpy()
        np.testing.assert_allclose(vectors, cls_token / np.linalg.norm(cls_token, axis=1, keepdims=True), rtol=1e-5)


class PlacementTest(unittest.TestCase):
    """The residency pool moves a model by place(device) and drops it by unload(), both
    through `weight_attrs`: an attribute holding weights that is not listed there would
    stay on the GPU through every swap."""

    def setUp(self):
        stand_ins.install()

    def test_place_and_unload_reach_every_weight_holder(self):
        for cls in t2i.MODELS + i2t.MODELS + embed.MODELS:
            with self.subTest(cls.name):
                model = loaded(cls)
                holders = {k for k, v in vars(model).items() if isinstance(v, stand_ins.Weights)}
                self.assertEqual(holders, set(cls.weight_attrs))
                model.place("cuda")
                self.assertEqual({getattr(model, k).device for k in holders}, {"cuda"})
                self.assertEqual(model.device, "cuda")
                model.place("cpu")
                self.assertEqual({getattr(model, k).device for k in holders}, {"cpu"})
                model.unload()
                self.assertEqual({k for k, v in vars(model).items() if isinstance(v, stand_ins.Weights)}, set())


if __name__ == "__main__":
    unittest.main()
