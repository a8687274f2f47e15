# Source: https://github.com/mlzxy/devit/issues/52
# Pattern: a detection demo reads each image with a `read_image` helper (PIL image converted with
# `np.asarray`, read-only) and, to draw the predicted boxes, turns it into a tensor with
# `torch.as_tensor(image).permute(2, 0, 1)`.
# error: The given NumPy array is not writable
# warnings-as-errors
import io

import numpy as np
import torch
from PIL import Image


def read_image(file_name, format="RGB"):
    image = Image.open(file_name).convert(format)
    return np.asarray(image)


def draw_bounding_boxes(image, boxes, width=1):
    out = image.clone()
    for x0, y0, _x1, y1 in boxes.int().tolist():
        out[:, y0:y1, x0 : x0 + width] = 255
    return out


buffer = io.BytesIO()
Image.fromarray(np.random.randint(0, 255, (16, 16, 3), dtype=np.uint8)).save(buffer, format="PNG")
buffer.seek(0)
image = read_image(buffer, format="RGB")
boxes = torch.tensor([[2.0, 2.0, 8.0, 8.0]])
output = draw_bounding_boxes(torch.as_tensor(image).permute(2, 0, 1), boxes)  # bug: PTL404
print(output.shape)
