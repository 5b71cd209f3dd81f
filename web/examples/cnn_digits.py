# Train a small convolutional network to read 8x8 digits, with ad.nn's Conv2d, MaxPool2d and
# Flatten. The digits are generated here (a 3x5 pixel font, shifted, dimmed at random and
# noisy), 8x8 like scikit-learn's digits. Then save the trained weights to an .npz file and load
# them into a fresh network.
import os
import tempfile

import numpy as np

import ad
from ad import nn, optim
from ad.nn import functional as F
from playground import plot

rng = np.random.default_rng(0)
FONT = ["111101101101111", "010110010010111", "111001111100111", "111001111001111",
        "101101111001001", "111100111001111", "111100111101111", "111001010010010",
        "111101111101111", "111101111001111"]  # 5 rows of 3 pixels per digit


def digits(n):
    """n noisy 8x8 images (N, 1, 8, 8) and their labels."""
    labels = rng.integers(0, 10, n)
    images = np.zeros((n, 1, 8, 8))
    for k, label in enumerate(labels):
        glyph = np.array([int(c) for c in FONT[label]], float).reshape(5, 3)
        top, left = rng.integers(0, 3), rng.integers(1, 4)  # shifted by up to 2 pixels
        images[k, 0, top:top + 5, left:left + 3] = glyph * rng.uniform(0.6, 1.0)
    images += rng.normal(scale=0.1, size=images.shape)
    return images, labels


X_train, y_train = digits(1000)
X_test, y_test = digits(300)

model = nn.Sequential(
    nn.Conv2d(1, 8, 3, padding=1, rng=rng), nn.ReLU(),  # (N, 8, 8, 8)
    nn.MaxPool2d(2),                                    # (N, 8, 4, 4)
    nn.Flatten(),                                       # (N, 128)
    nn.Linear(128, 10, rng=rng),
)
optimizer = optim.Adam(model.parameters(), lr=0.03)
curve = plot(title="training loss", ylabel="cross-entropy")


def accuracy(X, y):
    return (model(ad.constant(X)).data.argmax(axis=1) == y).mean()


for step in range(201):
    batch = rng.integers(0, len(X_train), 64)
    loss = F.cross_entropy(model(ad.constant(X_train[batch])), y_train[batch])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    curve.append(loss.data)
    if step % 40 == 0:
        print(f"step {step:3d}  loss {float(loss.data):.3f}")

test_accuracy = accuracy(X_test, y_test)
print(f"test accuracy {test_accuracy:.0%}:",
      "above 90%, it reads digits" if test_accuracy > 0.9 else "below 90%, train longer")

with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "cnn.npz")
    model.save(path)
    fresh = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(128, 10))
    fresh.load(path)
    same = np.array_equal(fresh(ad.constant(X_test)).data, model(ad.constant(X_test)).data)
print(f"saved {len(model.state_dict())} arrays to cnn.npz and loaded them into a fresh network:",
      "same predictions" if same else "DIFFERENT predictions")
