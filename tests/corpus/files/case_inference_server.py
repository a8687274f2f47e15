# A small inference service: downloads an image over HTTP (urllib3 / requests responses have a
# `.data` / `.content`), runs a model on the best device, returns the top-5 classes as JSON.
import io
import json

import numpy as np
import requests
import torch
import urllib3
from PIL import Image
from torchvision import models, transforms

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = models.resnet18(weights=None).to(device).eval()
preprocess = transforms.Compose([
    transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
    transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
])
http = urllib3.PoolManager()


def fetch_image(url):
    response = http.request("GET", url)
    if response.status != 200:
        raise ValueError(f"bad status {response.status}")
    return Image.open(io.BytesIO(response.data)).convert("RGB")


def fetch_labels(url):
    r = http.request("GET", url)
    return json.loads(r.data.decode("utf-8"))


def fetch_config(url):
    resp = requests.get(url, timeout=10)
    payload = resp.json()
    return payload.get("data", {})


def predict(url, labels):
    img = fetch_image(url)
    batch = preprocess(img).unsqueeze(0).to(device)
    with torch.inference_mode():
        logits = model(batch)
    probs = torch.softmax(logits, dim=1)[0]
    top5 = torch.topk(probs, 5)
    scores = top5.values.cpu().numpy()
    indices = top5.indices.cpu().numpy()
    return [{"label": labels[int(i)], "score": float(s)} for s, i in zip(scores, indices)]


def predict_np(url):
    batch = preprocess(fetch_image(url)).unsqueeze(0)
    with torch.no_grad():
        out = model(batch.to(device)).cpu()
    return np.argsort(out.numpy()[0])[::-1][:5]


if __name__ == "__main__":
    labels = fetch_labels("http://localhost:8000/imagenet_classes.json")
    print(predict("http://localhost:8000/cat.jpg", labels))
    print(predict_np("http://localhost:8000/cat.jpg"))
