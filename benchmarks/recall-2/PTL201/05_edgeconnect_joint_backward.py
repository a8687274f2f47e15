# Source: https://github.com/knazeri/edge-connect/issues/40
# Pattern: the joint mode trains an edge model and an inpainting model fed with the edge model's output;
# each model's `backward(gen_loss, dis_loss)` method backwards its own losses. The inpainting model's
# generator loss already ran back through the edge generator, so the edge model's `gen_loss.backward()`
# finds that graph freed. (Both backwards run before both steps here: with the original order, step
# between the backwards, torch 2.13 stops earlier on the discriminator's in-place update.)
# error: Trying to backward through the graph a second time
import torch
from torch import nn


class BaseModel(nn.Module):
    def __init__(self, in_ch):
        super().__init__()
        self.generator = nn.Sequential(nn.Conv2d(in_ch, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 1, 3, padding=1))
        self.discriminator = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2), nn.LeakyReLU(0.2), nn.Conv2d(4, 1, 3))
        self.gen_optimizer = torch.optim.Adam(self.generator.parameters(), lr=1e-4)
        self.dis_optimizer = torch.optim.Adam(self.discriminator.parameters(), lr=1e-4)
        self.l1_loss = nn.L1Loss()

    def process(self, inputs, target):
        self.gen_optimizer.zero_grad()
        self.dis_optimizer.zero_grad()
        outputs = torch.sigmoid(self.generator(inputs))
        dis_real = self.discriminator(target)
        dis_fake = self.discriminator(outputs.detach())
        dis_loss = (torch.relu(1 - dis_real).mean() + torch.relu(1 + dis_fake).mean()) / 2
        gen_fake = self.discriminator(outputs)
        gen_loss = -gen_fake.mean() + self.l1_loss(outputs, target)
        return outputs, gen_loss, dis_loss

    def backward(self, gen_loss=None, dis_loss=None):
        if dis_loss is not None:
            dis_loss.backward()
        if gen_loss is not None:
            gen_loss.backward()  # bug: PTL201
        self.dis_optimizer.step()
        self.gen_optimizer.step()


class EdgeModel(BaseModel):
    def __init__(self):
        super().__init__(in_ch=3)


class InpaintingModel(BaseModel):
    def __init__(self):
        super().__init__(in_ch=2)


class EdgeConnect:
    def __init__(self):
        self.edge_model = EdgeModel()
        self.inpaint_model = InpaintingModel()

    def train(self, batches):
        for images, images_gray, edges, masks in batches:
            # joint model (mode 4): the edge model's output feeds the inpainting model
            e_inputs = torch.cat((images_gray * (1 - masks), edges * (1 - masks), masks), dim=1)
            e_outputs, e_gen_loss, e_dis_loss = self.edge_model.process(e_inputs, edges)
            e_outputs = e_outputs * masks + edges * (1 - masks)
            i_inputs = torch.cat((images * (1 - masks), e_outputs), dim=1)
            i_outputs, i_gen_loss, i_dis_loss = self.inpaint_model.process(i_inputs, images)

            self.inpaint_model.backward(i_gen_loss, i_dis_loss)
            self.edge_model.backward(e_gen_loss, e_dis_loss)


def batch():
    images = torch.rand(2, 1, 8, 8)
    masks = (torch.rand(2, 1, 8, 8) > 0.5).float()
    return images, images, (images > 0.5).float(), masks


EdgeConnect().train([batch(), batch()])
